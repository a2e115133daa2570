namespace SnapshotBackup.Core.Btrfs;

/// <summary>
/// One open directory of a btrfs volume: many entries inspected and deleted through one descriptor (one ioctl each,
/// no reopening per entry). Every name is an entry directly inside the directory.
/// </summary>
public interface IBtrfsDirectory : IDisposable
{
    SubvolumeKind Inspect(string name);

    void DeleteSubvolume(string name);

    /// <summary>The subvolume's identity (BTRFS_IOC_GET_SUBVOL_INFO, unprivileged), null when it is not a subvolume.</summary>
    Copies.SubvolumeIdentity? Identify(string name);
}
