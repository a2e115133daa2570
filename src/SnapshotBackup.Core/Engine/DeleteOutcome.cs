namespace SnapshotBackup.Core.Engine;

/// <summary>What a prune, decay or destroy deleted, declined and skipped.</summary>
public sealed record DeleteOutcome(IReadOnlyList<string> Deleted, IReadOnlyList<string> Declined, IReadOnlyList<string> Skipped);
