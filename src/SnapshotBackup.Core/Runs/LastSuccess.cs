using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Engine;

namespace SnapshotBackup.Core.Runs;

/// <summary>When a section last backed up successfully: for silent_fail_threshold, catch-up and the first run.</summary>
public static class LastSuccess
{
    /// <summary>
    /// The time of the newest backup on the volume; when the volume cannot be read, <paramref name="recorded"/> (the
    /// daemon's record), and <paramref name="volumeError"/> says why. Null when there never was a successful backup.
    /// </summary>
    public static DateTimeOffset? Find(IBackupEngine engine, BackupConfig config, Func<DateTimeOffset?> recorded, out Exception? volumeError)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(recorded);
        try
        {
            var newest = engine.NewestBackup(config);
            volumeError = null;
            return newest;
        }
        catch (Exception e) when (e is not (OperationCanceledException or OutOfMemoryException))
        {
            volumeError = e;
            return recorded();
        }
    }
}
