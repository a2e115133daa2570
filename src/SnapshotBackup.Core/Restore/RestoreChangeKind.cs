namespace SnapshotBackup.Core.Restore;

/// <summary>What a restore does to one entry of its target (<see cref="RestorePlan"/>).</summary>
public enum RestoreChangeKind
{
    /// <summary>An existing entry whose content or metadata changes back to the snapshot's.</summary>
    Overwrite,

    /// <summary>An entry the target does not have.</summary>
    Create,

    /// <summary>An entry the snapshot does not have (<c>--delete</c> only).</summary>
    Delete,
}
