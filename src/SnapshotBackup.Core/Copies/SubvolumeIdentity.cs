namespace SnapshotBackup.Core.Copies;

/// <summary>
/// A subvolume's identity as btrfs keeps it (BTRFS_IOC_GET_SUBVOL_INFO): its own uuid, the uuid of the snapshot it was
/// received from (<see cref="Guid.Empty"/> when it was not received, or a receive did not finish), the uuid of the
/// subvolume it was snapshotted from, read-only or not, and its generation.
/// </summary>
public readonly record struct SubvolumeIdentity(Guid Uuid, Guid ReceivedUuid, Guid ParentUuid, bool ReadOnly, ulong Generation)
{
    /// <summary>A finished receive: read-only with received_uuid set.</summary>
    public bool IsReceived => ReadOnly && ReceivedUuid != Guid.Empty;

    /// <summary>What a cut receive leaves: a writable subvolume without received_uuid.</summary>
    public bool IsPartialReceive => !ReadOnly && ReceivedUuid == Guid.Empty;

    /// <summary>The identity that copies of this subvolume carry as their received_uuid (its own received_uuid when it
    /// was itself received, as btrfs send does, else its uuid).</summary>
    public Guid SendIdentity => ReceivedUuid != Guid.Empty ? ReceivedUuid : Uuid;
}
