namespace SnapshotBackup.Core.Engine;

/// <summary>A finished backup: the new snapshot (null for a dry run), bytes rsync transferred, and what was deleted after.</summary>
public sealed record BackupOutcome(string? SnapshotName, long BytesTransferred, TimeSpan Duration, bool FilesVanished, IReadOnlyList<string> Deleted)
{
    /// <summary>A dry run's itemized changes, as rsync reported them; empty for a real backup.</summary>
    public IReadOnlyList<string> Changes { get; init; } = [];
}
