namespace SnapshotBackup.Core.Volume;

/// <summary>The backups found in a volume, oldest first, and the timestamp-named entries that are not backups.</summary>
public sealed record VolumeListing(IReadOnlyList<Snapshot> Snapshots, IReadOnlyList<string> Skipped)
{
    public Snapshot? Newest => Snapshots.Count > 0 ? Snapshots[^1] : null;
}
