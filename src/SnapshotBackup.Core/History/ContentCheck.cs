namespace SnapshotBackup.Core.History;

/// <summary>How far the comparer may go to decide whether two regular files of equal size hold the same bytes.</summary>
public enum ContentCheck
{
    /// <summary>
    /// Same inode and change time, or the same physical extents (FIEMAP), prove equal contents; anything else counts as
    /// different. Reads no file but one of at most <see cref="EntryComparer.InlineLimit"/> bytes whose data btrfs keeps
    /// inline in its metadata, where FIEMAP shows no extent (<c>versions</c>).
    /// </summary>
    ExtentsOnly,

    /// <summary>As <see cref="ExtentsOnly"/>, then the bytes of both files where nothing proved them equal (<c>diff</c> between snapshots).</summary>
    ReadBytes,

    /// <summary>
    /// rsync's quick check: equal metadata (size, mtime, mode, owner, xattrs) means equal contents, as the next backup
    /// will judge; where metadata differ, the bytes decide (<c>diff</c> against the source, on another filesystem).
    /// </summary>
    QuickCheck,
}
