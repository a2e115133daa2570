namespace SnapshotBackup.Core.Retention;

/// <summary>Why <c>min_free</c> picks a snapshot, in the order it picks them.</summary>
public enum FreeSpaceReason
{
    /// <summary>Prune would delete it.</summary>
    PruneCandidate,

    /// <summary>Decay would delete it (and prune would not).</summary>
    DecayCandidate,

    /// <summary>Retention keeps it; one of the oldest.</summary>
    OldestKept,
}
