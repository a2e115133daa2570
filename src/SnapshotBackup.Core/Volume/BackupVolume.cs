using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Core.FileSystem;

namespace SnapshotBackup.Core.Volume;

/// <summary>
/// A backups directory: the writable <c>.sync</c> subvolume rsync writes into and the read-only, timestamp-named
/// snapshots. Only entries that are timestamp-named read-only subvolumes count as backups; nothing else is touched.
/// </summary>
public sealed class BackupVolume(string path, IBtrfsManager btrfs, IMountTable mountTable, IFileSystem fileSystem)
{
    /// <summary>A volume on this system's mount table and file system.</summary>
    public BackupVolume(string path, IBtrfsManager btrfs)
        : this(path, btrfs, MountTable.System, LocalFileSystem.Instance)
    {
    }

    public const string SyncName = ".sync";

    /// <summary>The lock file of the Python snapshotbackup (existence-based, so it can be stale).</summary>
    public const string LegacyLockName = LegacySyncLock.FileName;

    public string Path { get; } = path;

    public string SyncPath => System.IO.Path.Combine(Path, SyncName);

    /// <summary>Throws <see cref="VolumeUnavailableException"/> unless the directory exists and is on btrfs.</summary>
    public void EnsureAvailable(string backupName)
    {
        if (mountTable.UnmountedMountPoint(Path) is { } mountPoint)
        {
            throw new VolumeUnavailableException(
                $"backups directory {Path} is on {mountPoint}, which /etc/fstab mounts but is not mounted now (disk not plugged in?); mount it and try again");
        }
        if (!fileSystem.DirectoryExists(Path))
        {
            throw new VolumeUnavailableException(
                $"backups directory {Path} does not exist (disk not mounted?); run 'snapshotbackup setup {backupName}' to create it");
        }
        if (!btrfs.IsBtrfs(Path))
        {
            throw new VolumeUnavailableException(
                $"backups directory {Path} is not on a btrfs filesystem (disk not mounted? its mount point is used otherwise)");
        }
    }

    /// <summary>Lists the backups (oldest first) with one readdir and a stat (plus a flags ioctl) per timestamp-named entry.</summary>
    public VolumeListing List()
    {
        var snapshots = new List<Snapshot>();
        var skipped = new List<string>();
        using var dir = btrfs.OpenDirectory(Path);
        foreach (var name in fileSystem.EntryNames(Path))
        {
            if (!SnapshotName.TryParse(name, out var time))
            {
                continue;
            }
            var kind = dir.Inspect(name);
            if (kind == SubvolumeKind.ReadOnlySubvolume)
            {
                snapshots.Add(new Snapshot(name, time));
            }
            else
            {
                skipped.Add($"{name} ({Describe(kind)})");
            }
        }
        snapshots.Sort((a, b) => a.Time != b.Time ? a.Time.CompareTo(b.Time) : string.CompareOrdinal(a.Name, b.Name));
        return new VolumeListing(snapshots, skipped);
    }

    public SubvolumeKind SyncKind => btrfs.Inspect(Path, SyncName);

    public static string Describe(SubvolumeKind kind) => kind switch
    {
        SubvolumeKind.Missing => "missing",
        SubvolumeKind.NotADirectory => "not a directory",
        SubvolumeKind.Symlink => "a symlink",
        SubvolumeKind.PlainDirectory => "a plain directory, not a snapshot",
        SubvolumeKind.WritableSubvolume => "a writable subvolume, not a read-only snapshot",
        SubvolumeKind.ReadOnlySubvolume => "a read-only snapshot",
        _ => kind.ToString(),
    };
}
