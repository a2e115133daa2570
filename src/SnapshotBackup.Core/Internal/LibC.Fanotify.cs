using System.Runtime.InteropServices;

namespace SnapshotBackup.Core.Internal;

/// <summary>fanotify(7) with directory file handles and names (FAN_REPORT_DFID_NAME), and open_by_handle_at(2) to name them.</summary>
internal static unsafe partial class LibC
{
    public const uint FAN_CLOEXEC = 0x1;
    public const uint FAN_NONBLOCK = 0x2;
    public const uint FAN_UNLIMITED_QUEUE = 0x10;
    public const uint FAN_REPORT_DIR_FID = 0x400;
    public const uint FAN_REPORT_NAME = 0x800;
    public const uint FAN_REPORT_FID = 0x200;
    public const byte FAN_EVENT_INFO_TYPE_FID = 1;

    public const uint FAN_MARK_ADD = 0x1;
    public const uint FAN_MARK_FILESYSTEM = 0x100;

    public const ulong FAN_MODIFY = 0x2;
    public const ulong FAN_ATTRIB = 0x4;
    public const ulong FAN_CLOSE_WRITE = 0x8;
    public const ulong FAN_MOVED_FROM = 0x40;
    public const ulong FAN_MOVED_TO = 0x80;
    public const ulong FAN_CREATE = 0x100;
    public const ulong FAN_DELETE = 0x200;
    public const ulong FAN_DELETE_SELF = 0x400;
    public const ulong FAN_MOVE_SELF = 0x800;
    public const ulong FAN_Q_OVERFLOW = 0x4000;
    public const ulong FAN_ONDIR = 0x40000000;

    public const byte FAN_EVENT_INFO_TYPE_DFID_NAME = 2;
    public const byte FAN_EVENT_INFO_TYPE_DFID = 3;

    public const int ESTALE = 116;
    public const int EXDEV = 18;
    public const int EOVERFLOW = 75;
    public const int ENODEV = 19;
    public const int EOPNOTSUPP = 95;

    [LibraryImport("libc", EntryPoint = "fanotify_init", SetLastError = true)]
    public static partial int FanotifyInit(uint flags, uint eventFlags);

    [LibraryImport("libc", EntryPoint = "fanotify_mark", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int FanotifyMark(int fd, uint flags, ulong mask, int dirFd, string path);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(int fd, byte* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "open_by_handle_at", SetLastError = true)]
    public static partial int OpenByHandleAt(int mountFd, byte* handle, int flags);

    /// <summary>BTRFS_IOC_INO_LOOKUP: _IOWR(0x94, 18, struct btrfs_ioctl_ino_lookup_args) (4096 bytes): a directory's path in its subvolume.</summary>
    public const nuint BTRFS_IOC_INO_LOOKUP = 0xD0009412;

    /// <summary>
    /// BTRFS_IOC_GET_SUBVOL_ROOTREF: _IOWR(0x94, 61, struct btrfs_ioctl_get_subvol_rootref_args) (4096 bytes): the
    /// subvolumes directly inside the fd's subvolume (tree id, directory), 255 at a time (EOVERFLOW: more from min_treeid).
    /// </summary>
    public const nuint BTRFS_IOC_GET_SUBVOL_ROOTREF = 0xD000943D;

    [LibraryImport("libc", EntryPoint = "utimensat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Utimensat(int dirFd, string path, long* times, int flags);

    [LibraryImport("libc", EntryPoint = "futimens", SetLastError = true)]
    public static partial int FUtimens(int fd, long* times);

    /// <summary>name_to_handle_at(2); <paramref name="handle"/> starts with handle_bytes (the room after the 8-byte header).</summary>
    [LibraryImport("libc", EntryPoint = "name_to_handle_at", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int NameToHandleAt(int dirFd, string path, byte* handle, int* mountId, int flags);

    private const uint STATX_MNT_ID = 0x1000;
    private const uint STATX_MNT_ID_UNIQUE = 0x4000;

    /// <summary>
    /// The mount's id of <paramref name="path"/> (statx; the unique 64-bit id where the kernel has it, 6.8 and later, else the
    /// reusable one); 0 when unknown. A disk unmounted and mounted again gets another.
    /// </summary>
    public static ulong MountId(string path)
    {
        var b = stackalloc byte[256];
        if (StatxNative(AT_FDCWD, path, 0, STATX_MNT_ID_UNIQUE | STATX_MNT_ID, b) != 0)
        {
            return 0;
        }
        var returned = *(uint*)b; // stx_mask
        return (returned & (STATX_MNT_ID_UNIQUE | STATX_MNT_ID)) != 0 ? *(ulong*)(b + 144) : 0;
    }

    public const int EFD_CLOEXEC = 0x80000;

    [LibraryImport("libc", EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initial, int flags);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(int fd, byte* buffer, nuint count);
}
