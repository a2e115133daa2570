using Quartz;

namespace SnapshotBackup.Daemon.Hosting;

/// <summary>After every job, refreshes the "next run" shown in the status line and state file, and trims memory.</summary>
internal sealed class NextRunListener(JobRegistrar registrar) : IJobListener
{
    public string Name => "next-run";

    public ValueTask JobToBeExecuted(IJobExecutionContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask JobExecutionVetoed(IJobExecutionContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public ValueTask JobProgressChanged(IJobExecutionContext context, Quartz.Extensibility.FireInstanceProgress progress, CancellationToken cancellationToken) =>
        ValueTask.CompletedTask;

    public async ValueTask JobWasExecuted(IJobExecutionContext context, JobExecutionException? jobException, CancellationToken cancellationToken)
    {
        await registrar.RefreshNextAsync(context.Scheduler, cancellationToken);
        MemoryTrimmer.Trim();
    }
}
