using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Core.Engine;

/// <summary>
/// The backup step of a run: the new snapshot (null for a dry run) and what rsync did. It holds the volume lock until
/// disposed, so autodecay / autoprune run under the same lock (<see cref="IBackupEngine.DeleteCandidates"/>).
/// </summary>
public sealed class BackupStepResult : IDisposable
{
    public string? SnapshotName { get; init; }

    public long BytesTransferred { get; init; }

    /// <summary>Regular files rsync wrote (from <c>--stats</c>); null when it did not say.</summary>
    public long? FilesTransferred { get; init; }

    public TimeSpan Duration { get; init; }

    public bool FilesVanished { get; init; }

    /// <summary>What <c>min_free</c> deleted before the backup or after rsync found the volume full, in that order.</summary>
    public IReadOnlyList<Retention.FreeSpaceDeletion> MinFreeDeleted { get; init; } = [];

    /// <summary>How the source was read: the change journal's list or a full scan, and why (null: no journal, a full scan).</summary>
    public Journal.ScanPlan? Scan { get; init; }

    /// <summary>A dry run's itemized changes, as rsync reported them; empty for a real backup.</summary>
    public IReadOnlyList<string> Changes { get; init; } = [];

    /// <summary>The volume backed up into, locked by <see cref="Lock"/>; null for a dry run (and in fakes).</summary>
    internal BackupVolume? Volume { get; init; }

    internal IDisposable? Lock { get; init; }

    /// <summary>Releases the volume lock.</summary>
    public void Dispose() => Lock?.Dispose();
}
