namespace SnapshotBackup.Core.History;

/// <summary>
/// One version of a path: the consecutive snapshots <see cref="First"/> to <see cref="Last"/> (<see cref="Count"/> of
/// them) in which it is the same entry; <see cref="State"/> null when the path is absent there.
/// </summary>
public sealed record VersionSpan(string First, string Last, int Count, EntryState? State);
