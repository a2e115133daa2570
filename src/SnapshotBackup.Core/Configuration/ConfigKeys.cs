using System.Globalization;
using System.Text.RegularExpressions;
using SnapshotBackup.Core.Time;

namespace SnapshotBackup.Core.Configuration;

/// <summary>The known keys and how each value is checked.</summary>
internal static partial class ConfigKeys
{
    public const string Source = "source";
    public const string Backups = "backups";
    public const string Ignore = "ignore";
    public const string RetainAll = "retain_all";
    public const string RetainDaily = "retain_daily";
    public const string RetainWeekly = "retain_weekly";
    public const string RetainMonthly = "retain_monthly";
    public const string RetainYearly = "retain_yearly";
    public const string Decay = "decay";
    public const string AutoPrune = "autoprune";
    public const string AutoDecay = "autodecay";
    public const string NotifyRemote = "notify_remote";
    public const string NotifyUser = "notify_user";
    public const string SilentFailThreshold = "silent_fail_threshold";
    public const string Schedule = "schedule";
    public const string AllowEmptySource = "allow_empty_source";
    public const string MaxConcurrent = "max_concurrent";
    public const string CopyTo = "copy_to";
    public const string CopyRetainAll = "copy_retain_all";
    public const string CopyRetainDaily = "copy_retain_daily";
    public const string CopyDecay = "copy_decay";
    public const string CopySchedule = "copy_schedule";
    public const string BeforeBackup = "before_backup";
    public const string AfterBackup = "after_backup";
    public const string OnFailure = "on_failure";
    public const string BeforePrune = "before_prune";
    public const string AfterPrune = "after_prune";
    public const string HookTimeout = "hook_timeout";
    public const string MetricsDir = "metrics_dir";
    public const string PingUrl = "ping_url";
    public const string MinFree = "min_free";
    public const string MinInterval = "min_interval";
    public const string FullScanEvery = "full_scan_every";

    public const string DefaultSection = "DEFAULT";

    /// <summary>The keys, lower case: configparser lower-cases keys as Python does, so "SOURCE" arrives as "source".</summary>
    public static readonly IReadOnlySet<string> Known = new HashSet<string>(StringComparer.Ordinal)
    {
        Source, Backups, Ignore, RetainAll, RetainDaily, RetainWeekly, RetainMonthly, RetainYearly, Decay, AutoPrune, AutoDecay, NotifyRemote, NotifyUser,
        SilentFailThreshold, Schedule, AllowEmptySource, MaxConcurrent,
        CopyTo, CopyRetainAll, CopyRetainDaily, CopyDecay, CopySchedule,
        BeforeBackup, AfterBackup, OnFailure, BeforePrune, AfterPrune, HookTimeout, MetricsDir, PingUrl,
        MinFree,
        MinInterval,
        FullScanEvery,
    };

    /// <summary>The hook keys: a command line run through <c>/bin/sh -c</c>, taken as written (quotes kept, several lines allowed).</summary>
    public static bool IsHook(string key) => key is BeforeBackup or AfterBackup or OnFailure or BeforePrune or AfterPrune;

    /// <summary>Keys read only from [DEFAULT] (they are about the whole installation, not one backup).</summary>
    public static bool IsDefaultOnly(string key) => key is MaxConcurrent or MetricsDir;

    /// <summary>Exactly [DEFAULT], as configparser: [default] is an ordinary section.</summary>
    public static bool IsDefault(string section) => section == DefaultSection;

    /// <summary>Duration keys: the original's own example quotes them, and it understood them quoted.</summary>
    public static bool IsDuration(string key) =>
        IsRetentionPeriod(key) || key is Decay or SilentFailThreshold or CopyDecay;

    /// <summary>The tiers' keys: a duration, a count of the newest backups, <c>forever</c> or <c>none</c>.</summary>
    public static bool IsRetentionPeriod(string key) =>
        key is RetainAll or RetainDaily or RetainWeekly or RetainMonthly or RetainYearly or CopyRetainAll or CopyRetainDaily;

    /// <summary>Checks a value without using it (for [DEFAULT] values no section inherits).</summary>
    public static void Check(Setting s, string? workingDirectory)
    {
        switch (s.Key.ToLowerInvariant())
        {
            case Source: ParseSource(s, workingDirectory); break;
            case Backups: ParseBackups(s, workingDirectory); break;
            case RetainAll or RetainDaily or RetainWeekly or RetainMonthly or RetainYearly or CopyRetainAll or CopyRetainDaily:
                ParseRetentionPeriod(s);
                break;
            case Decay or SilentFailThreshold or CopyDecay:
                ParseDuration(s);
                break;
            case CopyTo: ParseCopyTo(s); break;
            case NotifyRemote: ParseNotifyRemote(s); break;
            case NotifyUser: ParseNotifyUser(s); break;
            case MaxConcurrent: ParseMaxConcurrent(s); break;
            case BeforeBackup or AfterBackup or OnFailure or BeforePrune or AfterPrune: ParseHook(s); break;
            case HookTimeout: ParseHookTimeout(s); break;
            case MetricsDir: ParseMetricsDir(s); break;
            case PingUrl: ParsePingUrl(s); break;
            case MinFree: ParseMinFree(s); break;
            case MinInterval: ParseMinInterval(s); break;
            case FullScanEvery: ParseFullScanEvery(s); break;
        }
    }

    /// <summary>
    /// An absolute path, <c>[user@]host:/path</c>, or a relative path resolved against <paramref name="workingDirectory"/>
    /// as the original tool did (its demo config says <c>source = snapshotbackup</c>); null refuses relative paths (the
    /// daemon, whose working directory means nothing).
    /// </summary>
    public static string ParseSource(Setting s, string? workingDirectory) =>
        s.Value.Contains('\0', StringComparison.Ordinal) ? throw s.Invalid("a path cannot contain a NUL character")
        : s.Value.StartsWith('/') || RemoteSource.TryParse(s.Value, out _) ? s.Value
        : LooksRemote(s.Value) ? throw s.Invalid("expected an absolute path or [user@]host:/path (a remote path must be absolute)")
        : Resolve(s, workingDirectory, "an absolute path or [user@]host:/path");

    /// <summary>An absolute path, or a relative one resolved against <paramref name="workingDirectory"/> (null refuses it).</summary>
    public static string ParseBackups(Setting s, string? workingDirectory) =>
        s.Value.Contains('\0', StringComparison.Ordinal) ? throw s.Invalid("a path cannot contain a NUL character")
        : s.Value.StartsWith('/') ? s.Value
        : Resolve(s, workingDirectory, "an absolute path");

    /// <summary>rsync reads <c>host:path</c> (a colon before any slash) as a remote path.</summary>
    private static bool LooksRemote(string value) =>
        value.IndexOf(':', StringComparison.Ordinal) is var colon and > 0
        && value.IndexOf('/', StringComparison.Ordinal) is var slash && (slash < 0 || colon < slash);

    private static string Resolve(Setting s, string? workingDirectory, string expected) =>
        s.Value.Length == 0 ? throw s.Invalid("expected " + expected)
        : workingDirectory is null
            ? throw s.Invalid("a relative path, and the daemon has no working directory to resolve it against; write an absolute path")
            : Path.GetFullPath(s.Value, workingDirectory);

    public static Duration ParseDuration(Setting s) =>
        Duration.TryParse(s.Value, out var d, out var error) ? d : throw s.Invalid(error);

    public static Retention.RetentionPeriod ParseRetentionPeriod(Setting s) =>
        Retention.RetentionPeriod.TryParse(s.Value, out var period, out var error) ? period : throw s.Invalid(error);

    public static IReadOnlyList<string> ParseIgnore(Setting s)
    {
        var raw = s.Raw.Length > 1 && s.Raw[0] == '\'' && s.Raw[^1] == '\'' ? s.Raw[1..^1] : s.Raw;
        return ConfigValues.SplitList(raw);
    }

    /// <summary>
    /// <c>copy_to</c>: comma-separated targets, each an absolute directory or <c>[user@]host:/path</c>; empty means none.
    /// The same target twice, or a relative path, is refused.
    /// </summary>
    public static IReadOnlyList<Copies.CopyTarget> ParseCopyTo(Setting s)
    {
        var targets = new List<Copies.CopyTarget>();
        foreach (var part in s.Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!Copies.CopyTarget.TryParse(part, out var target, out var error))
            {
                throw s.Invalid($"'{part}': {error}");
            }
            if (targets.Any(t => t.Spec == target.Spec))
            {
                throw s.Invalid($"'{part}' is named twice");
            }
            targets.Add(target);
        }
        return targets;
    }

    public static string? ParseNotifyRemote(Setting s) =>
        s.Value.Length == 0 ? null
        : RemotePattern().IsMatch(s.Value) ? s.Value
        : throw s.Invalid("expected [user@]host");

    public static string? ParseNotifyUser(Setting s) =>
        s.Value.Length == 0 ? null
        : UserPattern().IsMatch(s.Value) ? s.Value
        : throw s.Invalid("expected a user name");

    public static int ParseMaxConcurrent(Setting s) =>
        int.TryParse(s.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw s.Invalid("expected a positive integer");

    /// <summary>A hook's command line as written (several lines run as one script); empty means none (a section can
    /// switch off a [DEFAULT] hook with <c>before_backup =</c>).</summary>
    public static string? ParseHook(Setting s)
    {
        var command = s.Raw.Trim();
        return command.Length == 0 ? null
            : command.Contains('\0', StringComparison.Ordinal) ? throw s.Invalid("a command cannot contain a NUL character")
            : command;
    }

    /// <summary><c>hook_timeout</c>: a duration in seconds, minutes, hours, days or weeks (default 1 hour), from 1 s to 30 days.</summary>
    public static TimeSpan ParseHookTimeout(Setting s)
    {
        const string Expected = "expected a time such as 30 s, 10 min or 2 hours (seconds, minutes, hours, days or weeks)";
        if (!Duration.TryParse(s.Value, out var duration, out _))
        {
            // Not the retention keys' message: it offers months, years and 'ago', none of which is a timeout.
            throw s.Invalid(Expected);
        }
        var seconds = 0.0;
        foreach (var part in duration.Parts)
        {
            seconds += part.Unit switch
            {
                DurationUnit.Second => 1,
                DurationUnit.Minute => 60,
                DurationUnit.Hour => 3600,
                DurationUnit.Day => 86400,
                DurationUnit.Week => 7 * 86400,
                _ => throw s.Invalid(Expected),
            } * (double)part.Amount;
        }
        // At most 30 days: a longer wait is no timeout (and a timer cannot hold more than 49 days).
        return seconds < 1 ? throw s.Invalid("expected at least one second")
            : seconds > 30 * 86400 ? throw s.Invalid("expected at most 30 days")
            : TimeSpan.FromSeconds(seconds);
    }

    /// <summary>
    /// <c>min_interval</c>: how long after a successful backup a <c>schedule = on-mount</c> section backs up again when its
    /// disk appears (default 1 hour); the same forms and range as <c>hook_timeout</c>.
    /// </summary>
    public static TimeSpan ParseMinInterval(Setting s) => ParseHookTimeout(s);

    /// <summary>
    /// <c>full_scan_every</c>: the daemon's journal backups scan the whole source at least this often (default 1 day), a
    /// safety net under the change journal; the same forms and range as <c>hook_timeout</c>.
    /// </summary>
    public static TimeSpan ParseFullScanEvery(Setting s) => ParseHookTimeout(s);

    /// <summary><c>metrics_dir</c>: an absolute directory (node_exporter's textfile directory); empty means off.</summary>
    public static string? ParseMetricsDir(Setting s) =>
        s.Value.Length == 0 ? null
        : s.Value.Contains('\0', StringComparison.Ordinal) ? throw s.Invalid("a path cannot contain a NUL character")
        : s.Value.StartsWith('/') ? Path.TrimEndingDirectorySeparator(s.Value) is { Length: > 0 } trimmed ? trimmed : "/"
        : throw s.Invalid("expected an absolute path");

    /// <summary><c>ping_url</c>: an absolute http or https URL (Healthchecks.io, Uptime Kuma); empty means none.</summary>
    /// <remarks>An error quotes the value redacted (<see cref="Pings.PingUrls.RedactText"/>): the URL's token is a secret.</remarks>
    public static Uri? ParsePingUrl(Setting s) =>
        s.Value.Length == 0 ? null
        : s.Value.Any(char.IsControl) || s.Value.Contains(' ', StringComparison.Ordinal) ? throw Redacted(s).Invalid("a URL cannot contain spaces or control characters")
        : Uri.TryCreate(s.Value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Host.Length > 0 ? uri
        : throw Redacted(s).Invalid("expected an http:// or https:// URL");

    /// <summary><c>min_free</c>: a percentage of the filesystem or a size (<see cref="FreeSpaceLimit"/>); empty means off.</summary>
    public static FreeSpaceLimit? ParseMinFree(Setting s) =>
        s.Value.Length == 0 ? null
        : FreeSpaceLimit.TryParse(s.Value, out var limit, out var error) ? limit
        : throw s.Invalid(error);

    private static Setting Redacted(Setting s) => s with { Value = Pings.PingUrls.RedactText(s.Value) };

    [GeneratedRegex("^([A-Za-z0-9_][A-Za-z0-9_.-]*@)?[A-Za-z0-9_][A-Za-z0-9_.-]*$")]
    private static partial Regex RemotePattern();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_.-]*\$?$")]
    private static partial Regex UserPattern();
}
