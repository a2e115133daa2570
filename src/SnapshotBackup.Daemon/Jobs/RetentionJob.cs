using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quartz;
using SnapshotBackup.Core.Engine;
using SnapshotBackup.Daemon.Configuration;
using SnapshotBackup.Daemon.Hosting;

namespace SnapshotBackup.Daemon.Jobs;

/// <summary>
/// A section's autodecay or autoprune job (its group says which). Triggered after a successful backup, it takes the
/// section's filesystem and the volume lock like any other operation, so it never runs beside another on the volume.
/// </summary>
[DisallowConcurrentExecution]
internal sealed class RetentionJob(
    ConfigStore configs,
    BackupEngine engine,
    RunGate gate,
    StatusReporter status,
    IHostApplicationLifetime lifetime,
    ILogger<RetentionJob> logger) : IJob
{
    public const string ThenPruneKey = "then-prune";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var name = context.JobDetail.Key.Name;
        var decay = context.JobDetail.Key.Group == JobKeys.DecayGroup;
        var what = decay ? "autodecay" : "autoprune";
        var config = configs.Current.Find(name);
        if (config is null)
        {
            return;
        }
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["Backup"] = name });
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
        try
        {
            using (await gate.EnterAsync(config.Backups, stopping.Token))
            {
                status.Started(name, what);
                try
                {
                    var outcome = await engine.DeleteCandidatesAsync(config, decay, BackupJob.LockWait, stopping.Token);
                    if (outcome.Deleted.Count > 0)
                    {
                        logger.LogInformation("{What} {Backup}: deleted {Count} backups: {List}", what, name, outcome.Deleted.Count, string.Join(", ", outcome.Deleted));
                    }
                    else
                    {
                        logger.LogDebug("{What} {Backup}: nothing to delete", what, name);
                    }
                }
                finally
                {
                    status.Finished(name, what);
                }
            }
        }
        catch (OperationCanceledException)
        {
            return;
        }
        catch (Exception e)
        {
            logger.LogError("{What} {Backup} failed: {Reason}", what, name, e.Message);
        }
        if (decay && context.MergedJobDataMap.TryGetValue(ThenPruneKey, out var thenPrune) && thenPrune is true && !context.Scheduler.IsStopping())
        {
            try
            {
                await context.Scheduler.TriggerJob(JobKeys.Prune(name), new JobDataMap(), CancellationToken.None);
            }
            catch (SchedulerException) when (context.Scheduler.IsStopping())
            {
                // The daemon is stopping; the next successful backup prunes.
            }
            catch (SchedulerException e)
            {
                logger.LogWarning("autoprune {Backup} not started: {Reason}", name, e.Message);
            }
        }
    }
}
