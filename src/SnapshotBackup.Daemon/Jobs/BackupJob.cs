using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quartz;
using SnapshotBackup.Core.Engine;
using SnapshotBackup.Core.Notifications;
using SnapshotBackup.Core.Volume;
using SnapshotBackup.Daemon.Configuration;
using SnapshotBackup.Daemon.Hosting;
using SnapshotBackup.Daemon.Power;
using SnapshotBackup.Daemon.State;

namespace SnapshotBackup.Daemon.Jobs;

/// <summary>
/// One scheduled (or catch-up) backup of a section: waits for its filesystem and an overall slot, holds a sleep
/// inhibitor, runs the engine, records the outcome, then triggers the section's autodecay / autoprune jobs.
/// </summary>
[DisallowConcurrentExecution]
internal sealed class BackupJob(
    ConfigStore configs,
    BackupEngine engine,
    RunGate gate,
    StateStore state,
    VolumeAvailability volumes,
    StatusReporter status,
    ISleepInhibitor inhibitor,
    DesktopNotifications notifier,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<BackupJob> logger) : IJob
{
    /// <summary>How long a run waits for a volume locked by a manual <c>snapshotbackup backup</c>.</summary>
    public static readonly TimeSpan LockWait = TimeSpan.FromHours(2);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var name = context.MergedJobDataMap.GetString(JobKeys.SectionKey)!;
        var config = configs.Current.Find(name);
        if (config is null)
        {
            return;
        }
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["Backup"] = name });
        var catchUp = context.Trigger.Key.Group == JobKeys.CatchUpGroup;
        if (state.Get(name).LastSuccess is { } last && context.ScheduledFireTimeUtc is { } due && last >= due)
        {
            logger.LogInformation("backup {Backup}: skipped the run due at {Due:yyyy-MM-ddTHH:mm:sszzz}, a backup finished at {Last:yyyy-MM-ddTHH:mm:sszzz} already", name, due.ToLocalTime(), last);
            return;
        }

        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
        var token = stopping.Token;
        IDisposable lease;
        try
        {
            lease = await gate.EnterAsync(config.Backups, token);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        var stopwatch = Stopwatch.StartNew();
        using (lease)
        {
            logger.LogInformation("backup {Backup} started ({Reason}): {Source} -> {Backups}", name, catchUp ? "catch-up" : "scheduled", config.Source, config.Backups);
            state.Update(name, s => s with { LastStart = time.GetLocalNow(), LastOutcome = "running" });
            status.Started(name);
            try
            {
                await using var sleepLock = await inhibitor.AcquireAsync($"backing up {name}", token);
                var outcome = await engine.BackupAsync(config, new BackupRequest
                {
                    LockWait = LockWait,
                    Progress = true,
                    OnProgress = p => status.Progress(name, p),
                    SkipAutoRetention = true,
                }, token);
                logger.LogInformation(
                    "backup {Backup} succeeded in {Duration:0.0} s: {Bytes} bytes transferred, snapshot {Snapshot}",
                    name, stopwatch.Elapsed.TotalSeconds, outcome.BytesTransferred, outcome.SnapshotName);
                state.Update(name, s => s with { LastSuccess = time.GetLocalNow(), LastSnapshot = outcome.SnapshotName, LastOutcome = "ok" });
                volumes.Record(name, available: true);
                await notifier.NotifyRunAsync(config, BackupRunOutcome.Succeeded, outcome.SnapshotName, null, time.GetLocalNow(), token);
                await TriggerRetentionAsync(context.Scheduler, config.Name, config.AutoDecay, config.AutoPrune);
            }
            catch (Exception e) when (e is SourceUnavailableException or VolumeUnavailableException)
            {
                logger.LogWarning("backup {Backup} skipped after {Duration:0.0} s: {Reason}", name, stopwatch.Elapsed.TotalSeconds, e.Message);
                if (e is VolumeUnavailableException)
                {
                    volumes.Record(name, available: false);
                }
                Fail(name, "skipped", e.Message);
                await NotifyFailureAsync(config, BackupRunOutcome.Skipped, e.Message, token);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                logger.LogWarning("backup {Backup} interrupted after {Duration:0.0} s: the daemon is stopping; no snapshot taken, .sync kept", name, stopwatch.Elapsed.TotalSeconds);
                Fail(name, "interrupted", "interrupted by the daemon stopping");
            }
            catch (Exception e)
            {
                logger.LogError("backup {Backup} failed after {Duration:0.0} s: {Reason}", name, stopwatch.Elapsed.TotalSeconds, e.Message);
                logger.LogDebug("{Exception}", e.ToString());
                Fail(name, "failed", e.Message);
                await NotifyFailureAsync(config, BackupRunOutcome.Failed, e.Message, token);
            }
            finally
            {
                status.Finished(name);
            }
        }
    }

    /// <summary>Notifies unless the last success (newest snapshot, else the state) is within silent_fail_threshold.</summary>
    private async Task NotifyFailureAsync(Core.Configuration.BackupConfig config, BackupRunOutcome outcome, string reason, CancellationToken token)
    {
        var lastSuccess = DesktopNotifications.LastSuccess(engine.VolumeOf(config), config.Name, () => state.Get(config.Name).LastSuccess);
        await notifier.NotifyRunAsync(config, outcome, reason, lastSuccess, time.GetLocalNow(), token);
    }

    private void Fail(string name, string outcome, string reason) =>
        state.Update(name, s => s with { LastFailure = time.GetLocalNow(), LastFailureReason = reason, LastOutcome = outcome });

    /// <summary>Decay first, then prune (the decay job triggers prune when it is done), as the original ran them.</summary>
    private async Task TriggerRetentionAsync(IScheduler scheduler, string name, bool decay, bool prune)
    {
        if (scheduler.IsStopping())
        {
            logger.LogInformation("backup {Backup}: autodecay/autoprune not started, the daemon is stopping", name);
            return;
        }
        try
        {
            await TriggerRetentionCoreAsync(scheduler, name, decay, prune);
        }
        catch (SchedulerException) when (scheduler.IsStopping())
        {
            logger.LogInformation("backup {Backup}: autodecay/autoprune not started, the daemon is stopping", name);
        }
        catch (SchedulerException e)
        {
            // A reload may have turned autoprune/autodecay off (or removed the section) while the backup ran: the
            // backup itself succeeded and stays recorded so.
            logger.LogWarning("backup {Backup}: autodecay/autoprune not started: {Reason}", name, e.Message);
        }
    }

    private static async Task TriggerRetentionCoreAsync(IScheduler scheduler, string name, bool decay, bool prune)
    {
        if (decay)
        {
            await scheduler.TriggerJob(JobKeys.Decay(name), new JobDataMap { [RetentionJob.ThenPruneKey] = prune }, CancellationToken.None);
        }
        else if (prune)
        {
            await scheduler.TriggerJob(JobKeys.Prune(name), new JobDataMap(), CancellationToken.None);
        }
    }
}
