namespace SnapshotBackup.Core.Retention;

/// <summary>One backup snapshot and what the retention policy says of it.</summary>
public sealed record BackupEntry(
    string Name,
    DateTimeOffset Time,
    bool Daily,
    bool Weekly,
    bool Last,
    bool InRetainAll,
    bool InRetainDaily,
    bool PruneCandidate,
    bool DecayCandidate);
