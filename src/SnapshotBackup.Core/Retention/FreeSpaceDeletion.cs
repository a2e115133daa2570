namespace SnapshotBackup.Core.Retention;

/// <summary>One snapshot <c>min_free</c> deletes (or would delete) and why.</summary>
public sealed record FreeSpaceDeletion(string Name, FreeSpaceReason Reason)
{
    /// <summary><c>prune candidate</c>, <c>decay candidate</c> or <c>oldest kept by retention</c>.</summary>
    public string ReasonText => Reason switch
    {
        FreeSpaceReason.PruneCandidate => "prune candidate",
        FreeSpaceReason.DecayCandidate => "decay candidate",
        _ => "oldest kept by retention",
    };

    /// <summary><c>NAME (REASON)</c>.</summary>
    public override string ToString() => $"{Name} ({ReasonText})";
}
