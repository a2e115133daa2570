namespace SnapshotBackup.Core.Engine;

/// <summary>One entry a dry run would delete (a snapshot, <c>.sync</c> or the backups directory) and why.</summary>
public sealed record PlannedDeletion(string Name, string Reason);
