namespace SnapshotBackup.Core.Retention;

/// <summary>One backup snapshot and what the retention policy says of it.</summary>
/// <param name="Daily">The first backup of its calendar day (each backup's date read in its own UTC offset).</param>
/// <param name="Weekly">The first backup of its ISO week.</param>
/// <param name="Last">The newest backup: always kept.</param>
/// <param name="InRetainAll">Kept by <c>retain_all</c>.</param>
/// <param name="InRetainDaily">Daily and kept by <c>retain_daily</c>.</param>
/// <param name="PruneCandidate">No rule keeps it: prune deletes it.</param>
/// <param name="DecayCandidate">Older than <c>decay</c> and not the newest: decay deletes it.</param>
public sealed record BackupEntry(
    string Name,
    DateTimeOffset Time,
    bool Daily,
    bool Weekly,
    bool Last,
    bool InRetainAll,
    bool InRetainDaily,
    bool PruneCandidate,
    bool DecayCandidate)
{
    /// <summary>The first backup of its calendar month.</summary>
    public bool Monthly { get; init; }

    /// <summary>The first backup of its calendar year.</summary>
    public bool Yearly { get; init; }

    /// <summary>Weekly and kept by <c>retain_weekly</c> (forever by default).</summary>
    public bool InRetainWeekly { get; init; }

    /// <summary>Monthly and kept by <c>retain_monthly</c>.</summary>
    public bool InRetainMonthly { get; init; }

    /// <summary>Yearly and kept by <c>retain_yearly</c>.</summary>
    public bool InRetainYearly { get; init; }

    /// <summary>Whether the entry belongs to <paramref name="tier"/> (every backup belongs to <see cref="RetentionTier.All"/>).</summary>
    public bool IsIn(RetentionTier tier) => tier switch
    {
        RetentionTier.All => true,
        RetentionTier.Daily => Daily,
        RetentionTier.Weekly => Weekly,
        RetentionTier.Monthly => Monthly,
        RetentionTier.Yearly => Yearly,
        _ => false,
    };

    /// <summary>Whether <paramref name="tier"/>'s period keeps the entry now.</summary>
    public bool KeptBy(RetentionTier tier) => tier switch
    {
        RetentionTier.All => InRetainAll,
        RetentionTier.Daily => InRetainDaily,
        RetentionTier.Weekly => InRetainWeekly,
        RetentionTier.Monthly => InRetainMonthly,
        RetentionTier.Yearly => InRetainYearly,
        _ => false,
    };
}
