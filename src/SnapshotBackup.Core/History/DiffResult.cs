namespace SnapshotBackup.Core.History;

/// <summary>
/// What <see cref="SnapshotDiff"/> found: the changes sorted by path, how they were found (<see cref="Method"/>:
/// <c>btrfs-send</c> or <c>full-compare</c>) and why, and the entries it could not read.
/// </summary>
public sealed record DiffResult(string Method, string Reason, IReadOnlyList<DiffEntry> Entries, IReadOnlyList<string> Unreadable)
{
    public const string BtrfsSend = "btrfs-send";
    public const string FullCompare = "full-compare";
}
