namespace SnapshotBackup.Core.Volume;

/// <summary>Takes the volume lock (<see cref="VolumeLock"/>); an interface so the engine's tests need no lock file.</summary>
public interface IVolumeLocks
{
    /// <summary>Takes the lock at once or throws <see cref="VolumeLockedException"/>.</summary>
    IDisposable Acquire(string directory, string backupName);

    /// <summary>
    /// The Python tool's <c>.sync_lock</c> for the length of a backup (<see cref="LegacySyncLock"/>), after
    /// <see cref="Acquire"/>: throws <see cref="VolumeLockedException"/> while a running Python snapshotbackup holds it.
    /// </summary>
    IDisposable AcquireSyncLock(string directory, string backupName, Action<string>? onTakeover);

    /// <summary>Waits for the lock up to <paramref name="timeout"/>, telling <paramref name="onWait"/> once that it waits.</summary>
    Task<IDisposable> AcquireAsync(string directory, string backupName, TimeSpan timeout, Action<VolumeLockedException>? onWait, CancellationToken cancellationToken);
}
