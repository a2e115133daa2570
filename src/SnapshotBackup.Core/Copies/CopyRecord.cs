using System.Text.Json.Serialization;

namespace SnapshotBackup.Core.Copies;

/// <summary>What the source volume remembers of one copy target (kept in <see cref="CopyRecords.FileName"/>).</summary>
public sealed record CopyRecord
{
    /// <summary>When a copy to this target was last tried.</summary>
    [JsonPropertyName("last_attempt")]
    public DateTimeOffset? LastAttempt { get; init; }

    /// <summary>When the target was last reached (listed), whatever happened after.</summary>
    [JsonPropertyName("last_reachable")]
    public DateTimeOffset? LastReachable { get; init; }

    /// <summary>When a copy run to this target last ended with every wanted snapshot there.</summary>
    [JsonPropertyName("last_copy")]
    public DateTimeOffset? LastCopy { get; init; }

    /// <summary>The newest snapshot the target holds a copy of.</summary>
    [JsonPropertyName("newest_copy")]
    public string? NewestCopy { get; init; }

    /// <summary>
    /// The newest source snapshot the target holds a copy of (by identity): the parent of the next incremental send,
    /// which source retention keeps unless the target has been unreachable longer than copy_decay.
    /// </summary>
    [JsonPropertyName("common_parent")]
    public string? CommonParent { get; init; }

    /// <summary>The source uuid of <see cref="CommonParent"/>.</summary>
    [JsonPropertyName("common_parent_uuid")]
    public Guid? CommonParentUuid { get; init; }

    /// <summary>Source snapshots the target's retention wants and it does not hold yet, at the end of the last attempt.</summary>
    [JsonPropertyName("missing")]
    public int Missing { get; init; }

    /// <summary>Why the last attempt did not finish; null when it did.</summary>
    [JsonPropertyName("last_error")]
    public string? LastError { get; init; }
}
