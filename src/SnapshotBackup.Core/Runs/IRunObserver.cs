using SnapshotBackup.Core.Configuration;

namespace SnapshotBackup.Core.Runs;

/// <summary>
/// Told about every run that is not a dry run (health-check pings, the metrics file). An observer never fails a run:
/// what it throws is logged as a warning, and it keeps its own time short (a few seconds at most).
/// </summary>
public interface IRunObserver
{
    /// <summary>
    /// The run holds the volume lock and is about to run <c>before_backup</c> and rsync. Not called for a run skipped or
    /// refused before that (volume or source unavailable, volume locked).
    /// </summary>
    Task RunStartedAsync(BackupConfig config, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The run ended and was recorded (before its desktop notification).</summary>
    /// <param name="log">The run's last log lines (the body of a failure ping).</param>
    /// <param name="cancellationToken">The run's: cancelled when the daemon is stopping. An observer still reports (a
    /// ping, the metrics file), only with a shorter wait.</param>
    Task RunFinishedAsync(BackupConfig config, RunResult result, IReadOnlyList<string> log, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>A copy run on its own (<c>snapshotbackup copy</c>, the daemon's copy_schedule job) ended.</summary>
    Task CopiesFinishedAsync(BackupConfig config, IReadOnlyList<Copies.CopyReport> reports, CancellationToken cancellationToken) => Task.CompletedTask;
}
