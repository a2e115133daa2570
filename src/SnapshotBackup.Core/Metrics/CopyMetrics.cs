namespace SnapshotBackup.Core.Metrics;

/// <summary>The series of one copy target of a section; null values are not written.</summary>
public sealed record CopyMetrics(string Target)
{
    /// <summary>Unix seconds of the target's last complete copy.</summary>
    public double? LastSuccess { get; init; }

    /// <summary>Seconds the newest copied snapshot is behind the newest snapshot (0 when the target is up to date).</summary>
    public double? Lag { get; init; }
}
