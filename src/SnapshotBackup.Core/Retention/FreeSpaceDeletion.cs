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

    private const string DataKey = "snapshotbackup.min_free_deleted";

    /// <summary>
    /// Records on <paramref name="error"/> what <c>min_free</c> deleted before the run failed (added to what is there),
    /// so that the failed run's record and notification name them too. Returns false: for an exception filter.
    /// </summary>
    public static bool Attach(Exception error, IReadOnlyList<FreeSpaceDeletion> deleted)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(deleted);
        if (deleted.Count > 0)
        {
            var all = AttachedTo(error).Concat(deleted).Distinct().ToList();
            error.Data[DataKey] = all;
        }
        return false;
    }

    /// <summary>What <see cref="Attach"/> recorded on <paramref name="error"/>; empty when nothing.</summary>
    public static IReadOnlyList<FreeSpaceDeletion> AttachedTo(Exception? error) =>
        error?.Data[DataKey] as IReadOnlyList<FreeSpaceDeletion> ?? [];
}
