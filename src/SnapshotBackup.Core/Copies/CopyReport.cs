namespace SnapshotBackup.Core.Copies;

/// <summary>One snapshot sent: incremental from <see cref="Parent"/>, or full when it is null.</summary>
public sealed record SentCopy(string Name, string? Parent, long Bytes, TimeSpan Duration)
{
    public bool Full => Parent is null;
}

/// <summary>Bytes of the send stream so far for <see cref="Snapshot"/> (the <see cref="Index"/>th of
/// <see cref="Count"/>) and the rate since it started.</summary>
public sealed record CopyProgress(string Snapshot, int Index, int Count, long Bytes, double BytesPerSecond);

/// <summary>What a copy to one target did (or, in a dry run, would do).</summary>
public sealed record CopyReport(CopyTarget Target)
{
    /// <summary>Sent (or to send, in a dry run), oldest first.</summary>
    public IReadOnlyList<SentCopy> Sent { get; init; } = [];

    /// <summary>Copies deleted on the target by its retention.</summary>
    public IReadOnlyList<string> Deleted { get; init; } = [];

    /// <summary>Partial receives deleted from the target's <c>.incoming</c>.</summary>
    public IReadOnlyList<string> CleanedPartials { get; init; } = [];

    /// <summary>Timestamp-named entries on the target that are not copies of ours: never touched, reported.</summary>
    public IReadOnlyList<string> Foreign { get; init; } = [];

    /// <summary>Snapshots the target's retention wants that it still lacks after this run.</summary>
    public IReadOnlyList<string> Missing { get; init; } = [];

    /// <summary>The newest source snapshot the target holds a copy of after the run.</summary>
    public string? CommonParent { get; init; }

    public long BytesSent => Sent.Sum(s => s.Bytes);

    public TimeSpan Duration { get; init; }

    public bool DryRun { get; init; }

    /// <summary>Why the copy to this target did not finish (<see cref="CopyTargetUnavailableException"/> for an
    /// unreachable target); null when it did.</summary>
    public Exception? Error { get; init; }
}
