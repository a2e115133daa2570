namespace SnapshotBackup.Core.Volume;

/// <summary>A backup: a read-only snapshot subvolume named by its finish time.</summary>
public sealed record Snapshot(string Name, DateTimeOffset Time);
