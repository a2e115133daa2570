namespace SnapshotBackup.Core.Btrfs;

/// <summary>What a directory entry is, as far as the backup volume is concerned.</summary>
public enum SubvolumeKind
{
    Missing,
    NotADirectory,
    Symlink,
    PlainDirectory,
    WritableSubvolume,
    ReadOnlySubvolume,
}
