using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quartz;
using SnapshotBackup.Core.Engine;
using SnapshotBackup.Core.Runs;
using SnapshotBackup.Daemon.Configuration;
using SnapshotBackup.Daemon.Hosting;
using SnapshotBackup.Daemon.State;

namespace SnapshotBackup.Daemon.Jobs;

/// <summary>
/// One scheduled (or catch-up) backup of a section: skips a run a later success made redundant, waits for its
/// filesystem and an overall slot, then runs <see cref="BackupRunService"/> (backup, autodecay, autoprune, record,
/// notify; the sleep inhibitor is held meanwhile) and logs how it ended.
/// </summary>
[DisallowConcurrentExecution]
internal sealed class BackupJob(
    ConfigStore configs,
    BackupRunService runs,
    RunGate gate,
    IRunRecorder recorder,
    StatusReporter status,
    IHostApplicationLifetime lifetime,
    RunningSections running,
    Journal.SourceJournals journals,
    ILogger<BackupJob> logger) : IJob
{
    /// <summary>How long a run waits for a volume locked by a manual <c>snapshotbackup backup</c>.</summary>
    public static readonly TimeSpan LockWait = TimeSpan.FromHours(2);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var name = context.Section();
        var config = configs.Current.Find(name);
        if (config is null)
        {
            return;
        }
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["Backup"] = name });
        // From here to the end, the mount watcher leaves this section alone (see RunningSections).
        using var runningMark = running.Enter(name);
        var catchUp = context.Trigger.Key.Group == JobKeys.CatchUpGroup;
        if (recorder.LastSuccess(name) is { } last && context.ScheduledFireTimeUtc is { } due && last >= due)
        {
            logger.LogInformation("backup {Backup}: skipped the run due at {Due:yyyy-MM-ddTHH:mm:sszzz}, a backup finished at {Last:yyyy-MM-ddTHH:mm:sszzz} already", name, due.ToLocalTime(), last);
            return;
        }

        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
        var token = stopping.Token;
        IDisposable lease;
        try
        {
            // Copies after the backup work on their targets too (a copy_schedule of their own gates in CopyJob).
            lease = await gate.EnterAsync(config.CopySchedule is null ? CopyJob.GatedPaths(config) : [config.Backups], token);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        using (lease)
        {
            var reason = catchUp ? context.Trigger.JobDataMap.GetString(JobKeys.ReasonKey) ?? "catch-up" : "scheduled";
            logger.LogInformation("backup {Backup} started ({Reason}): {Source} -> {Backups}", name, reason, config.Source, config.Backups);
            status.Started(name);
            try
            {
                var result = await runs.RunAsync(config, new BackupRequest
                {
                    LockWait = LockWait,
                    Journal = journals.For(config),
                    Progress = true,
                    OnProgress = p => status.Progress(name, p),
                    OnCopyProgress = p => status.CopyProgress(name, "backing up", p),
                }, token);
                Log(result);
            }
            finally
            {
                status.Finished(name);
            }
        }
    }

    private void Log(RunResult result)
    {
        var (name, seconds) = (result.Section, result.Duration.TotalSeconds);
        switch (result.Outcome)
        {
            case RunOutcome.Succeeded:
                logger.LogInformation(
                    "backup {Backup} succeeded in {Duration:0.0} s: {Bytes} bytes transferred, snapshot {Snapshot}",
                    name, seconds, result.BytesTransferred, result.SnapshotName);
                if (result.MinFreeDeleted.Count > 0)
                {
                    logger.LogInformation("min_free {Backup}: deleted {Count} snapshots: {List}",
                        name, result.MinFreeDeleted.Count, string.Join(", ", result.MinFreeDeleted));
                }
                foreach (var (what, deleted) in new[] { ("autodecay", result.Decayed), ("autoprune", result.Pruned) })
                {
                    if (deleted.Count > 0)
                    {
                        logger.LogInformation("{What} {Backup}: deleted {Count} backups: {List}", what, name, deleted.Count, string.Join(", ", deleted));
                    }
                }
                foreach (var copy in result.Copies.Where(c => c.Error is null))
                {
                    logger.LogInformation("copy {Backup} to {Target}: {Sent} sent ({Bytes} bytes), {Deleted} deleted by copy retention",
                        name, copy.Target.Spec, copy.Sent.Count, copy.BytesSent, copy.Deleted.Count);
                }
                return;
            case RunOutcome.Skipped:
                logger.LogWarning("backup {Backup} skipped after {Duration:0.0} s: {Reason}", name, seconds, result.ErrorMessage);
                return;
            case RunOutcome.Interrupted:
                logger.LogWarning("backup {Backup} interrupted after {Duration:0.0} s: the daemon is stopping; no snapshot taken, .sync kept", name, seconds);
                return;
            default:
                logger.LogError("backup {Backup} failed after {Duration:0.0} s: {Reason}", name, seconds, result.ErrorMessage);
                logger.LogDebug("{Exception}", result.Error?.ToString());
                return;
        }
    }
}
