namespace SnapshotBackup.Core.History;

/// <summary>One FIEMAP extent: where a range of the file lies on the filesystem (flags less SHARED and LAST).</summary>
public readonly record struct Extent(ulong Logical, ulong Physical, ulong Length, uint Flags);
