using SnapshotBackup.Core.Retention;
using SnapshotBackup.Core.Time;

namespace SnapshotBackup.Core.Configuration;

/// <summary>One configured backup: an INI section, with [DEFAULT] and the built-in defaults applied.</summary>
public sealed record BackupConfig
{
    public required string Name { get; init; }

    /// <summary>A local absolute directory, or <c>user@host:/path</c> for rsync over ssh.</summary>
    public required string Source { get; init; }

    /// <summary>The absolute backups directory (the volume).</summary>
    public required string Backups { get; init; }

    public IReadOnlyList<string> Ignore { get; init; } = [];
    public RetentionPeriod RetainAll { get; init; } = new Duration(1, DurationUnit.Day);
    public RetentionPeriod RetainDaily { get; init; } = new Duration(1, DurationUnit.Month);

    /// <summary><c>retain_weekly</c>: forever by default, as the original kept every weekly backup.</summary>
    public RetentionPeriod RetainWeekly { get; init; } = RetentionPeriod.Forever;

    /// <summary><c>retain_monthly</c>: none by default.</summary>
    public RetentionPeriod RetainMonthly { get; init; } = RetentionPeriod.None;

    /// <summary><c>retain_yearly</c>: none by default.</summary>
    public RetentionPeriod RetainYearly { get; init; } = RetentionPeriod.None;
    public Duration Decay { get; init; } = new(1, DurationUnit.Year);
    public bool AutoPrune { get; init; }
    public bool AutoDecay { get; init; }
    public string? NotifyRemote { get; init; }
    public string? NotifyUser { get; init; }
    public Duration SilentFailThreshold { get; init; } = new(3, DurationUnit.Day);

    /// <summary>The raw <c>schedule</c> value (default <c>hourly</c>); the daemon parses it.</summary>
    public string Schedule { get; init; } = "hourly";

    public bool AllowEmptySource { get; init; }

    /// <summary>
    /// <c>min_interval</c>: with <c>schedule = on-mount</c>, the least time from a successful backup to the next one the
    /// disk's appearance starts (default 1 hour).
    /// </summary>
    public TimeSpan MinInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// <c>full_scan_every</c>: the daemon backs up a local source from its change journal (only what changed) and scans the
    /// whole source at least this often all the same (default 1 day).
    /// </summary>
    public TimeSpan FullScanEvery { get; init; } = TimeSpan.FromDays(1);

    /// <summary><c>copy_to</c>: where finished snapshots are copied with btrfs send/receive; none by default.</summary>
    public IReadOnlyList<Copies.CopyTarget> CopyTo { get; init; } = [];

    /// <summary><c>copy_retain_all</c>, <c>copy_retain_daily</c>, <c>copy_decay</c>; null means the section's own value.</summary>
    public RetentionPeriod? CopyRetainAll { get; init; }

    /// <inheritdoc cref="CopyRetainAll"/>
    public RetentionPeriod? CopyRetainDaily { get; init; }

    /// <inheritdoc cref="CopyRetainAll"/>
    public Duration? CopyDecay { get; init; }

    /// <summary>The raw <c>copy_schedule</c> value; null means after each successful backup. The daemon parses it.</summary>
    public string? CopySchedule { get; init; }

    /// <summary>The section's hooks (<c>before_backup</c>, ... and <c>hook_timeout</c>); none by default.</summary>
    public HookCommands Hooks { get; init; } = new();

    /// <summary><c>ping_url</c>: the health-check URL pinged at the start and end of each run; null when none.</summary>
    public Uri? PingUrl { get; init; }

    /// <summary>
    /// <c>min_free</c>: the free space the volume keeps; before a backup, and when rsync finds the volume full, snapshots
    /// are deleted until it is back (see <see cref="Engine.FreeSpacePruner"/>). Null (the default) is off.
    /// </summary>
    public FreeSpaceLimit? MinFree { get; init; }

    /// <summary>For each key that was set (lower case), the file it came from; used in error messages.</summary>
    public IReadOnlyDictionary<string, string> KeyOrigins { get; init; } = new Dictionary<string, string>();

    public RetentionSettings Retention => new(RetainAll, RetainDaily, Decay)
    {
        RetainWeekly = RetainWeekly,
        RetainMonthly = RetainMonthly,
        RetainYearly = RetainYearly,
    };

    /// <summary>The copy targets' retention: each copy_* value, else the section's own (the weekly, monthly and yearly tiers are the section's).</summary>
    public RetentionSettings CopyRetention => Retention with
    {
        RetainAll = CopyRetainAll ?? RetainAll,
        RetainDaily = CopyRetainDaily ?? RetainDaily,
        Decay = CopyDecay ?? Decay,
    };

    /// <summary>True when <see cref="Source"/> is <c>user@host:/path</c> (or <c>host:/path</c>).</summary>
    public bool IsRemoteSource => RemoteSource.TryParse(Source, out _);
}
