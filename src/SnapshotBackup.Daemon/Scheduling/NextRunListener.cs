using Quartz;
using SnapshotBackup.Daemon.Hosting;
using SnapshotBackup.Daemon.Jobs;

namespace SnapshotBackup.Daemon.Scheduling;

/// <summary>
/// After every job, refreshes the "next run" shown in the status line and state file, and trims memory. Not once the
/// scheduler is shutting down: Quartz closes the scheduler before it waits for the running jobs, so every job that
/// returns during a stop (an interrupted backup, a run cancelled at the gate) would find it closed, and a listener
/// that throws is logged by Quartz as an error with a stack trace. There is no next run to show then anyway.
/// </summary>
internal sealed class NextRunListener(JobRegistrar registrar) : IJobListener
{
    public string Name => "next-run";

    public ValueTask JobToBeExecuted(IJobExecutionContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask JobExecutionVetoed(IJobExecutionContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask JobProgressChanged(IJobExecutionContext context, Quartz.Extensibility.FireInstanceProgress progress, CancellationToken cancellationToken) =>
        ValueTask.CompletedTask;

    public async ValueTask JobWasExecuted(IJobExecutionContext context, JobExecutionException? jobException, CancellationToken cancellationToken)
    {
        var scheduler = context.Scheduler;
        if (scheduler.IsStopping())
        {
            return;
        }
        try
        {
            await registrar.RefreshNextAsync(scheduler, cancellationToken);
        }
        catch (SchedulerException) when (scheduler.IsStopping())
        {
            // The stop began between the check and the refresh.
            return;
        }
        MemoryTrimmer.Trim();
    }
}
