using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quartz;
using SnapshotBackup.Core.Copies;
using SnapshotBackup.Core.Runs;
using SnapshotBackup.Core.Volume;
using SnapshotBackup.Daemon.Configuration;
using SnapshotBackup.Daemon.Hosting;

namespace SnapshotBackup.Daemon.Jobs;

/// <summary>
/// The copies of a section with a <c>copy_schedule</c> of its own (the others copy at the end of each backup run): waits
/// for the filesystems of both ends and an overall slot, then runs <see cref="BackupRunService.CopyAsync"/> under the
/// volume lock. An unreachable target or volume is a quiet skip (notified under silent_fail_threshold).
/// </summary>
[DisallowConcurrentExecution]
internal sealed class CopyJob(
    ConfigStore configs,
    BackupRunService runs,
    RunGate gate,
    StatusReporter status,
    IHostApplicationLifetime lifetime,
    ILogger<CopyJob> logger) : IJob
{
    private const string Activity = "copying";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var name = context.Section();
        var config = configs.Current.Find(name);
        if (config is null || config.CopyTo.Count == 0)
        {
            return;
        }
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["Backup"] = name });
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
        var token = stopping.Token;
        IDisposable lease;
        try
        {
            lease = await gate.EnterAsync(GatedPaths(config), token);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        using (lease)
        {
            logger.LogInformation("copy {Backup} started: {Backups} -> {Targets}", name, config.Backups, string.Join(", ", config.CopyTo.Select(t => t.Spec)));
            status.Started(name, Activity);
            try
            {
                var reports = await runs.CopyAsync(config, null, new CopyOptions
                {
                    Progress = p => status.CopyProgress(name, Activity, p),
                }, BackupJob.LockWait, token);
                foreach (var report in reports.Where(r => r.Error is null))
                {
                    logger.LogInformation("copy {Backup} to {Target}: {Sent} sent ({Bytes} bytes), {Deleted} deleted by copy retention",
                        name, report.Target.Spec, report.Sent.Count, report.BytesSent, report.Deleted.Count);
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                logger.LogWarning("copy {Backup} interrupted: the daemon is stopping; the next copy resumes", name);
            }
            catch (VolumeUnavailableException e)
            {
                logger.LogInformation("copy {Backup} skipped: {Reason}", name, e.Message);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                logger.LogError("copy {Backup} failed: {Reason}", name, e.Message);
            }
            finally
            {
                status.Finished(name, Activity);
            }
        }
    }

    /// <summary>The volume and the local copy targets: a copy works on both ends, each gated like a backup.</summary>
    public static IReadOnlyList<string> GatedPaths(Core.Configuration.BackupConfig config) =>
        [config.Backups, .. config.CopyTo.Where(t => !t.IsRemote).Select(t => ExistingAncestor(t.Path))];

    /// <summary>The target directory, or its nearest existing parent when it is not there (yet), for its filesystem key.</summary>
    private static string ExistingAncestor(string path)
    {
        var current = path;
        while (!Directory.Exists(current) && Path.GetDirectoryName(current) is { } parent)
        {
            current = parent;
        }
        return current;
    }
}
