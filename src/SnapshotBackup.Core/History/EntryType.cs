namespace SnapshotBackup.Core.History;

/// <summary>What kind of entry a path names (the S_IFMT bits of its mode).</summary>
public enum EntryType
{
    File,
    Directory,
    Symlink,
    Fifo,
    Socket,
    CharDevice,
    BlockDevice,
}

public static class EntryTypes
{
    public static EntryType FromMode(uint mode) => (mode & 0xF000) switch
    {
        0x4000 => EntryType.Directory,
        0xA000 => EntryType.Symlink,
        0x1000 => EntryType.Fifo,
        0xC000 => EntryType.Socket,
        0x2000 => EntryType.CharDevice,
        0x6000 => EntryType.BlockDevice,
        _ => EntryType.File,
    };

    /// <summary>The word used in output: file, dir, symlink, fifo, socket, chardev, blockdev.</summary>
    public static string Name(this EntryType type) => type switch
    {
        EntryType.File => "file",
        EntryType.Directory => "dir",
        EntryType.Symlink => "symlink",
        EntryType.Fifo => "fifo",
        EntryType.Socket => "socket",
        EntryType.CharDevice => "chardev",
        _ => "blockdev",
    };
}
