namespace SnapshotBackup.Core.Volume;

/// <summary>Which fstab mount points are not mounted now; the engine asks before it reads or writes a backups directory.</summary>
public interface IMountTable
{
    /// <summary>The fstab mount point that covers <paramref name="path"/> and is not mounted, or null.</summary>
    string? UnmountedMountPoint(string path);
}
