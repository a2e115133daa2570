namespace SnapshotBackup.Core.Engine;

/// <summary>What a backup does about <c>.sync</c> before rsync writes into it.</summary>
public enum SyncAction
{
    /// <summary>A writable subvolume: rsync writes into it as it is.</summary>
    Use,

    /// <summary>Missing, with a backup to start from: a writable snapshot of the newest backup.</summary>
    SnapshotNewest,

    /// <summary>Missing, and no backup yet: a new, empty subvolume.</summary>
    CreateSubvolume,

    /// <summary>Something rsync must not write into: the backup is refused with advice.</summary>
    Refuse,
}
