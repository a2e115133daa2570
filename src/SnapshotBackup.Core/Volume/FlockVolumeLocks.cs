namespace SnapshotBackup.Core.Volume;

/// <summary>The real volume locks: flock(2) on the lock file, waiting by <paramref name="time"/>.</summary>
public sealed class FlockVolumeLocks(TimeProvider time) : IVolumeLocks
{
    public IDisposable Acquire(string directory, string backupName) => VolumeLock.Acquire(directory, backupName);

    public IDisposable AcquireSyncLock(string directory, string backupName, Action<string>? onTakeover) =>
        LegacySyncLock.Acquire(directory, backupName, onTakeover);

    public async Task<IDisposable> AcquireAsync(
        string directory, string backupName, TimeSpan timeout, Action<VolumeLockedException>? onWait, CancellationToken cancellationToken) =>
        await VolumeLock.AcquireAsync(directory, backupName, timeout, time, onWait, cancellationToken).ConfigureAwait(false);
}
