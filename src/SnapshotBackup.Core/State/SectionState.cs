using System.Text.Json.Serialization;

namespace SnapshotBackup.Core.State;

/// <summary>What the daemon knows of one backup section.</summary>
public sealed record SectionState
{
    [JsonPropertyName("last_start")]
    public DateTimeOffset? LastStart { get; init; }

    [JsonPropertyName("last_success")]
    public DateTimeOffset? LastSuccess { get; init; }

    [JsonPropertyName("last_snapshot")]
    public string? LastSnapshot { get; init; }

    [JsonPropertyName("last_failure")]
    public DateTimeOffset? LastFailure { get; init; }

    [JsonPropertyName("last_failure_reason")]
    public string? LastFailureReason { get; init; }

    /// <summary>ok, failed, skipped, interrupted or running.</summary>
    [JsonPropertyName("last_outcome")]
    public string? LastOutcome { get; init; }

    [JsonPropertyName("next_run")]
    public DateTimeOffset? NextRun { get; init; }

    [JsonPropertyName("schedule")]
    public string? Schedule { get; init; }
}
