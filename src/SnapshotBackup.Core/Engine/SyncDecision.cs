using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Core.Engine;

/// <summary>The <c>.sync</c> decision table, a pure function of what <c>.sync</c> is and the newest backup.</summary>
/// <param name="Action">What to do.</param>
/// <param name="Newest">For <see cref="SyncAction.SnapshotNewest"/>, the backup to snapshot.</param>
/// <param name="Refusal">For <see cref="SyncAction.Refuse"/>, the message: why, and what to do.</param>
public sealed record SyncDecision(SyncAction Action, string? Newest = null, string? Refusal = null)
{
    public static SyncDecision Decide(SubvolumeKind sync, Snapshot? newest, string syncPath) => sync switch
    {
        SubvolumeKind.WritableSubvolume => new(SyncAction.Use),
        SubvolumeKind.Missing when newest is not null => new(SyncAction.SnapshotNewest, Newest: newest.Name),
        SubvolumeKind.Missing => new(SyncAction.CreateSubvolume),
        SubvolumeKind.ReadOnlySubvolume => new(SyncAction.Refuse, Refusal:
            $"{syncPath} is a read-only subvolume; rsync cannot write into it. Make it writable with " +
            $"'btrfs property set {syncPath} ro false', or delete it with 'snapshotbackup clean NAME'."),
        _ => new(SyncAction.Refuse, Refusal:
            $"{syncPath} is {BackupVolume.Describe(sync)}, not a btrfs subvolume; " +
            "move it out of the way and run the backup again (a new .sync is made from the newest backup)."),
    };
}
