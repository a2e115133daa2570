using SnapshotBackup.Core.Retention;

namespace SnapshotBackup.Core.Engine;

/// <summary>What <c>plan</c> shows: the backup, the moment and settings of the evaluation, each snapshot's fate, and the entries left alone.</summary>
public sealed record RetentionPlanReport(
    string Backup,
    DateTimeOffset At,
    TimeZoneInfo Zone,
    RetentionSettings Settings,
    IReadOnlyList<PlanEntry> Entries,
    IReadOnlyList<string> Skipped)
{
    /// <summary>What <c>min_free</c> says of the volume now; null when it is not set.</summary>
    public string? MinFree { get; init; }
}
