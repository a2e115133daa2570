namespace SnapshotBackup.Core.Retention;

/// <summary>
/// The order in which <c>min_free</c> deletes snapshots to free space, as a pure function of the retention policy's
/// view: first the prune candidates, then the decay candidates, then the snapshots retention would keep; oldest first
/// within each group. Never the newest snapshot, nor one <paramref name="isProtected"/> names (pinned, a copy target's
/// common parent). The caller deletes from the front and stops as soon as the space is back.
/// </summary>
public static class FreeSpacePolicy
{
    /// <param name="entries">The backups as <see cref="RetentionPolicy.Evaluate"/> gives them, oldest first.</param>
    /// <param name="isProtected">True for a snapshot that must stay (a pin, a copy target's common snapshot).</param>
    public static IReadOnlyList<FreeSpaceDeletion> Order(IReadOnlyList<BackupEntry> entries, Func<string, bool> isProtected)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(isProtected);
        var newest = entries.Count == 0 ? null : entries.MaxBy(e => e.Time.UtcTicks)?.Name;
        var deletable = entries
            .Where(e => !e.Last && e.Name != newest && !isProtected(e.Name))
            .OrderBy(e => e.Time.UtcTicks)
            .ThenBy(e => e.Name, StringComparer.Ordinal)
            .Select(e => new FreeSpaceDeletion(e.Name, ReasonOf(e)))
            .ToList();
        return deletable.OrderBy(d => d.Reason).ToList(); // OrderBy is stable: oldest first within each reason
    }

    private static FreeSpaceReason ReasonOf(BackupEntry entry) =>
        entry.PruneCandidate ? FreeSpaceReason.PruneCandidate
        : entry.DecayCandidate ? FreeSpaceReason.DecayCandidate
        : FreeSpaceReason.OldestKept;
}
