using Quartz;

namespace SnapshotBackup.Daemon.Jobs;

/// <summary>Whether the scheduler refuses work because it is shutting down.</summary>
internal static class SchedulerStopping
{
    /// <summary>
    /// True from the moment the shutdown begins: Quartz refuses every call from then on (<c>ShuttingDown</c> counts as
    /// shut down), while it still waits for the running jobs to return.
    /// </summary>
    public static bool IsStopping(this IScheduler scheduler) =>
        scheduler.Status is SchedulerStatus.ShuttingDown or SchedulerStatus.Shutdown;
}
