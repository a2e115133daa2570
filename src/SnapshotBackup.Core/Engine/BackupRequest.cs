namespace SnapshotBackup.Core.Engine;

/// <summary>How one backup run should go.</summary>
public sealed record BackupRequest
{
    public bool Checksum { get; init; }
    public bool DryRun { get; init; }
    public bool Progress { get; init; }

    /// <summary>Overrides the configured source (<c>--source</c>).</summary>
    public string? SourceOverride { get; init; }

    /// <summary>How long to wait for a locked volume; null fails at once (the CLI), the daemon waits.</summary>
    public TimeSpan? LockWait { get; init; }

    public Action<int>? OnProgress { get; init; }
}
