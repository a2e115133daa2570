namespace SnapshotBackup.Core.Volume;

/// <summary>One line of the mount table: where a filesystem is mounted and with which options (per-mount and superblock).</summary>
public sealed record MountedFileSystem(string MountPoint, string FileSystemType, IReadOnlyList<string> Options)
{
    public bool HasOption(string option) => Options.Contains(option, StringComparer.Ordinal);
}
