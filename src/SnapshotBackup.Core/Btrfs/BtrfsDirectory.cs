namespace SnapshotBackup.Core.Btrfs;

/// <summary>A directory opened once; inspections and deletions go through its descriptor.</summary>
internal sealed class BtrfsDirectory(string path, int fd) : IBtrfsDirectory
{
    private int _fd = fd;

    public SubvolumeKind Inspect(string name) => BtrfsManager.Inspect(_fd, name);

    public void DeleteSubvolume(string name) => BtrfsManager.DeleteSubvolume(_fd, path, name);

    public Copies.SubvolumeIdentity? Identify(string name) => BtrfsManager.Identify(_fd, name);

    public void Dispose()
    {
        var fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
        {
            Internal.LibC.Close(fd);
        }
    }
}
