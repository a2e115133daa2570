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
    public Duration RetainAll { get; init; } = new(1, DurationUnit.Day);
    public Duration RetainDaily { get; init; } = new(1, DurationUnit.Month);
    public Duration Decay { get; init; } = new(1, DurationUnit.Year);
    public bool AutoPrune { get; init; }
    public bool AutoDecay { get; init; }
    public string? NotifyRemote { get; init; }
    public string? NotifyUser { get; init; }
    public Duration SilentFailThreshold { get; init; } = new(3, DurationUnit.Day);

    /// <summary>The raw <c>schedule</c> value (default <c>hourly</c>); the daemon parses it.</summary>
    public string Schedule { get; init; } = "hourly";

    public bool AllowEmptySource { get; init; }

    /// <summary>For each key that was set (lower case), the file it came from; used in error messages.</summary>
    public IReadOnlyDictionary<string, string> KeyOrigins { get; init; } = new Dictionary<string, string>();

    public RetentionSettings Retention => new(RetainAll, RetainDaily, Decay);

    /// <summary>True when <see cref="Source"/> is <c>user@host:/path</c> (or <c>host:/path</c>).</summary>
    public bool IsRemoteSource => RemoteSource.TryParse(Source, out _);
}
