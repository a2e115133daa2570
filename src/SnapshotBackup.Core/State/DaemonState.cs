using System.Text.Json.Serialization;

namespace SnapshotBackup.Core.State;

/// <summary>The daemon's state file: who wrote it, and each section's state.</summary>
public sealed record DaemonState
{
    [JsonPropertyName("pid")]
    public int Pid { get; init; }

    [JsonPropertyName("started")]
    public DateTimeOffset? Started { get; init; }

    [JsonPropertyName("updated")]
    public DateTimeOffset? Updated { get; init; }

    [JsonPropertyName("status")]
    public string? Status { get; init; }

    [JsonPropertyName("sections")]
    public Dictionary<string, SectionState> Sections { get; init; } = new(StringComparer.Ordinal);
}
