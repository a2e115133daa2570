namespace SnapshotBackup.Daemon.Power;

/// <summary>Keeps the machine from suspending while a backup runs.</summary>
public interface ISleepInhibitor
{
    /// <summary>
    /// Takes a sleep inhibitor lock. Dispose the result to release it. Never fails: when no lock can be
    /// taken (no bus, no logind, timeout, error) a no-op disposable is returned. Only cancellation of
    /// <paramref name="ct"/> by the caller surfaces, as <see cref="OperationCanceledException"/>.
    /// </summary>
    Task<IAsyncDisposable> AcquireAsync(string why, CancellationToken ct);
}
