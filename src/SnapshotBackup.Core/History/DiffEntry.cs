namespace SnapshotBackup.Core.History;

/// <summary>
/// One changed path (relative to the trees' tops): its type and size in B (in A for a deletion); for a modification
/// also the type and size in A and what differs. Sizes are those of regular files; other types count 0 bytes.
/// </summary>
public sealed record DiffEntry(string Path, ChangeKind Change, EntryType Type, long Size, EntryType? OldType = null, long? OldSize = null, EntryChange? Detail = null);
