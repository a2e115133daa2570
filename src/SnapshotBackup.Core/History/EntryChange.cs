namespace SnapshotBackup.Core.History;

/// <summary>
/// How two entries at one path differ: the bytes of a regular file (<see cref="Content"/>) and the metadata fields
/// that differ, in the order <c>type, mode, uid, gid, mtime, target, rdev, xattrs</c>.
/// </summary>
public sealed record EntryChange(bool Content, IReadOnlyList<string> Metadata)
{
    /// <summary>The metadata fields in output order.</summary>
    public static IReadOnlyList<string> Fields { get; } = ["type", "mode", "uid", "gid", "mtime", "target", "rdev", "xattrs"];

    /// <summary><c>content</c>, <c>metadata: mode, mtime</c> or <c>content; metadata: mtime</c>.</summary>
    public override string ToString() =>
        (Content ? "content" : string.Empty)
        + (Content && Metadata.Count > 0 ? "; " : string.Empty)
        + (Metadata.Count > 0 ? "metadata: " + string.Join(", ", Metadata) : string.Empty);
}
