using SnapshotBackup.Core.Time;

namespace SnapshotBackup.Core.Retention;

/// <summary>
/// The retention policy's settings. The original's three (<c>retain_all</c>, <c>retain_daily</c>, <c>decay</c>) and the
/// tiers added to them: <c>retain_weekly</c> (forever by default, as the original kept weekly backups),
/// <c>retain_monthly</c> and <c>retain_yearly</c> (none by default). With the defaults the policy is the original's.
/// </summary>
public sealed record RetentionSettings(RetentionPeriod RetainAll, RetentionPeriod RetainDaily, Duration Decay)
{
    public static RetentionSettings Default { get; } =
        new(new Duration(1, DurationUnit.Day), new Duration(1, DurationUnit.Month), new Duration(1, DurationUnit.Year));

    /// <summary>The first backup of each ISO week: forever by default.</summary>
    public RetentionPeriod RetainWeekly { get; init; } = RetentionPeriod.Forever;

    /// <summary>The first backup of each calendar month: none by default.</summary>
    public RetentionPeriod RetainMonthly { get; init; } = RetentionPeriod.None;

    /// <summary>The first backup of each calendar year: none by default.</summary>
    public RetentionPeriod RetainYearly { get; init; } = RetentionPeriod.None;

    /// <summary>The period of <paramref name="tier"/>.</summary>
    public RetentionPeriod Of(RetentionTier tier) => tier switch
    {
        RetentionTier.All => RetainAll,
        RetentionTier.Daily => RetainDaily,
        RetentionTier.Weekly => RetainWeekly,
        RetentionTier.Monthly => RetainMonthly,
        RetentionTier.Yearly => RetainYearly,
        _ => throw new ArgumentOutOfRangeException(nameof(tier), tier, null),
    };
}

/// <summary>The tiers of the policy, each a set of backups kept for its <see cref="RetentionPeriod"/>.</summary>
public enum RetentionTier
{
    /// <summary><c>retain_all</c>: every backup.</summary>
    All,

    /// <summary><c>retain_daily</c>: the first backup of each day.</summary>
    Daily,

    /// <summary><c>retain_weekly</c>: the first backup of each ISO week.</summary>
    Weekly,

    /// <summary><c>retain_monthly</c>: the first backup of each month.</summary>
    Monthly,

    /// <summary><c>retain_yearly</c>: the first backup of each year.</summary>
    Yearly,
}
