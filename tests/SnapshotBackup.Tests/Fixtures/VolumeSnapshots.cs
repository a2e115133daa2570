using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Tests.Fixtures;

/// <summary>
/// What counts as a snapshot in every test: what the product itself lists (<see cref="BackupVolume.List"/>), a
/// read-only subvolume with a timestamp name. A directory, a writable subvolume or a symlink with such a name is not one.
/// </summary>
public static class VolumeSnapshots
{
    /// <summary>The snapshot names in <paramref name="backups"/>, oldest first; none when the directory does not exist.</summary>
    public static IReadOnlyList<string> Names(string backups) =>
        Directory.Exists(backups)
            ? new BackupVolume(backups, BtrfsManager.Instance).List().Snapshots.Select(s => s.Name).ToList()
            : [];
}
