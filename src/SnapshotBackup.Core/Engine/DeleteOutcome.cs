namespace SnapshotBackup.Core.Engine;

/// <summary>What a prune, decay or destroy deleted, declined and skipped; for a dry run, what it would delete and why.</summary>
public sealed record DeleteOutcome(IReadOnlyList<string> Deleted, IReadOnlyList<string> Declined, IReadOnlyList<string> Skipped)
{
    /// <summary>A dry run's plan: each entry that would be deleted, with the reason. Empty for a real run.</summary>
    public IReadOnlyList<PlannedDeletion> WouldDelete { get; init; } = [];

    /// <summary>The backups whose deletion failed, each as <c>name (reason)</c>.</summary>
    public IReadOnlyList<string> Failed { get; init; } = [];

    /// <summary>When a deletion failed: what failed and what to do. The commands exit 1 with it.</summary>
    public string? Failure { get; init; }
}
