using System.Runtime.InteropServices;
using System.Text;
using SnapshotBackup.Core.Copies;
using SnapshotBackup.Core.Internal;

namespace SnapshotBackup.Core.Btrfs;

/// <summary>
/// btrfs subvolume work through the kernel's ioctls (no process per snapshot): create, snapshot, delete, flags, sync.
/// Every call opens entries relative to their directory with O_NOFOLLOW, so a symlink is never followed.
/// </summary>
public sealed unsafe class BtrfsManager : IBtrfsManager
{
    public const long BtrfsSuperMagic = 0x9123683E;
    private const ulong FirstFreeObjectId = 256;
    private const ulong SubvolReadOnly = 1UL << 1;
    private const int VolArgsSize = 4096;
    private const int VolArgsNameOffset = 8;
    private const int VolArgsV2NameOffset = 56;
    private const int SubvolNameMax = 4039;

    // _IOW(0x94, nr, 4096) and friends, from linux/btrfs.h.
    private const nuint IocSnapCreateV2 = 0x50009417;
    private const nuint IocSubvolCreate = 0x5000940E;
    private const nuint IocSnapDestroy = 0x5000940F;
    private const nuint IocSubvolGetFlags = 0x80089419;
    private const nuint IocSubvolSetFlags = 0x4008941A;
    private const nuint IocFsInfo = 0x8400941F;
    private const nuint IocSync = 0x9408; // _IO(0x94, 8)

    // _IOR(0x94, 60, struct btrfs_ioctl_get_subvol_info_args): 504 bytes; works unprivileged on the subvolume's fd.
    private const nuint IocGetSubvolInfo = 0x81F8943C;
    private const int SubvolInfoSize = 504;
    private const int SubvolInfoGeneration = 280;
    private const int SubvolInfoFlags = 288;
    private const int SubvolInfoUuid = 296;
    private const int SubvolInfoParentUuid = 312;
    private const int SubvolInfoReceivedUuid = 328;

    // The info's flags are the root item's: BTRFS_ROOT_SUBVOL_RDONLY is bit 0 there (bit 1 is SUBVOL_GETFLAGS' RDONLY).
    private const ulong RootSubvolReadOnly = 1UL << 0;

    public static BtrfsManager Instance { get; } = new();

    public bool IsBtrfs(string path) => LibC.FileSystemType(path, out _) is { } type && (type & 0xFFFFFFFF) == BtrfsSuperMagic;

    public SubvolumeKind Inspect(string directory, string name)
    {
        using var dir = OpenHandle(directory);
        return Inspect(dir.Fd, name);
    }

    internal static SubvolumeKind Inspect(int dirFd, string name)
    {
        var stat = LibC.LStatAt(dirFd, name, out _);
        if (stat is not { } info)
        {
            return SubvolumeKind.Missing;
        }
        if (info.IsSymlink)
        {
            return SubvolumeKind.Symlink;
        }
        if (!info.IsDirectory)
        {
            return SubvolumeKind.NotADirectory;
        }
        if (info.Inode != FirstFreeObjectId)
        {
            return SubvolumeKind.PlainDirectory;
        }
        var fd = LibC.OpenAt(dirFd, name, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0);
        if (fd < 0)
        {
            return SubvolumeKind.PlainDirectory;
        }
        try
        {
            ulong flags = 0;
            return LibC.Ioctl(fd, IocSubvolGetFlags, &flags) != 0
                ? SubvolumeKind.PlainDirectory
                : (flags & SubvolReadOnly) != 0 ? SubvolumeKind.ReadOnlySubvolume : SubvolumeKind.WritableSubvolume;
        }
        finally
        {
            LibC.Close(fd);
        }
    }

    /// <summary>
    /// The identity of subvolume <paramref name="name"/> inside <paramref name="directory"/> (opened with O_NOFOLLOW),
    /// null when it is not a subvolume (missing, a symlink, a file, a plain directory).
    /// </summary>
    public static SubvolumeIdentity? Identify(string directory, string name)
    {
        using var dir = OpenHandle(directory);
        return Identify(dir.Fd, name);
    }

    internal static SubvolumeIdentity? Identify(int dirFd, string name)
    {
        var stat = LibC.LStatAt(dirFd, name, out _);
        if (stat is not { IsDirectory: true } info || info.Inode != FirstFreeObjectId)
        {
            return null;
        }
        var fd = LibC.OpenAt(dirFd, name, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0);
        if (fd < 0)
        {
            return null;
        }
        try
        {
            return IdentifyOpen(fd);
        }
        finally
        {
            LibC.Close(fd);
        }
    }

    /// <summary>The identity of the subvolume whose top directory <paramref name="fd"/> is, null when it is none.</summary>
    internal static SubvolumeIdentity? IdentifyOpen(int fd)
    {
        var args = stackalloc byte[SubvolInfoSize];
        new Span<byte>(args, SubvolInfoSize).Clear();
        // The kernel may answer 1 on success (the result of its last tree search): only a negative result fails.
        if (LibC.Ioctl(fd, IocGetSubvolInfo, args) < 0)
        {
            return null;
        }
        return new SubvolumeIdentity(
            Uuid: ReadUuid(args + SubvolInfoUuid),
            ReceivedUuid: ReadUuid(args + SubvolInfoReceivedUuid),
            ParentUuid: ReadUuid(args + SubvolInfoParentUuid),
            ReadOnly: (*(ulong*)(args + SubvolInfoFlags) & RootSubvolReadOnly) != 0,
            Generation: *(ulong*)(args + SubvolInfoGeneration));
    }

    /// <summary>Sets or clears the read-only flag of subvolume <paramref name="name"/> (BTRFS_IOC_SUBVOL_SETFLAGS), opened
    /// with O_NOFOLLOW; keeps its received_uuid.</summary>
    internal static void SetReadOnly(int dirFd, string directory, string name, bool readOnly)
    {
        var fd = LibC.OpenAt(dirFd, name, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0);
        Check(fd, $"open {Path.Combine(directory, name)}");
        try
        {
            ulong flags = 0;
            Check(LibC.Ioctl(fd, IocSubvolGetFlags, &flags), $"read the flags of {Path.Combine(directory, name)}");
            flags = readOnly ? flags | SubvolReadOnly : flags & ~SubvolReadOnly;
            Check(LibC.Ioctl(fd, IocSubvolSetFlags, &flags), $"make {Path.Combine(directory, name)} {(readOnly ? "read-only" : "writable")}");
        }
        finally
        {
            LibC.Close(fd);
        }
    }

    /// <summary>btrfs keeps uuids in RFC 4122 byte order, as <c>btrfs subvolume show</c> prints them.</summary>
    private static Guid ReadUuid(byte* bytes) => new(new ReadOnlySpan<byte>(bytes, 16), bigEndian: true);

    public void CreateSubvolume(string directory, string name)
    {
        using var dir = OpenHandle(directory);
        var args = stackalloc byte[VolArgsSize];
        new Span<byte>(args, VolArgsSize).Clear();
        WriteName(args + VolArgsNameOffset, VolArgsSize - VolArgsNameOffset - 1, name);
        Check(LibC.Ioctl(dir.Fd, IocSubvolCreate, args), $"create subvolume {Path.Combine(directory, name)}");
    }

    public void CreateSnapshot(string directory, string source, string name, bool readOnly)
    {
        using var dir = OpenHandle(directory);
        var sourceFd = LibC.OpenAt(dir.Fd, source, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0);
        Check(sourceFd, $"open {Path.Combine(directory, source)}");
        try
        {
            var args = stackalloc byte[VolArgsSize];
            new Span<byte>(args, VolArgsSize).Clear();
            *(long*)args = sourceFd;
            *(ulong*)(args + 16) = readOnly ? SubvolReadOnly : 0;
            WriteName(args + VolArgsV2NameOffset, SubvolNameMax, name);
            Check(
                LibC.Ioctl(dir.Fd, IocSnapCreateV2, args),
                $"snapshot {Path.Combine(directory, source)} as {Path.Combine(directory, name)}");
        }
        finally
        {
            LibC.Close(sourceFd);
        }
    }

    public void DeleteSubvolume(string directory, string name)
    {
        using var dir = OpenHandle(directory);
        DeleteSubvolume(dir.Fd, directory, name);
    }

    internal static void DeleteSubvolume(int dirFd, string directory, string name)
    {
        var args = stackalloc byte[VolArgsSize];
        new Span<byte>(args, VolArgsSize).Clear();
        WriteName(args + VolArgsNameOffset, VolArgsSize - VolArgsNameOffset - 1, name);
        if (LibC.Ioctl(dirFd, IocSnapDestroy, args) == 0)
        {
            return;
        }
        var errno = Marshal.GetLastPInvokeError();
        if (errno == LibC.EROFS && DeleteReadOnlyAsOwner(dirFd, name, args, ref errno))
        {
            return;
        }
        Fail(errno, $"delete subvolume {Path.Combine(directory, name)}");
    }

    /// <summary>
    /// A user without CAP_SYS_ADMIN may delete a subvolume only on a filesystem mounted with
    /// <c>user_subvol_rm_allowed</c> and only when its top directory is writable to them, which a read-only snapshot's
    /// never is (EROFS). Its owner may clear the read-only flag (SUBVOL_SETFLAGS), so: clear it, delete, and set it
    /// again when the deletion still fails, so that a snapshot is never left writable. True when deleted; otherwise
    /// <paramref name="errno"/> is the reason.
    /// </summary>
    private static bool DeleteReadOnlyAsOwner(int dirFd, string name, byte* args, ref int errno)
    {
        var fd = LibC.OpenAt(dirFd, name, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0);
        if (fd < 0)
        {
            return false;
        }
        try
        {
            ulong flags = 0;
            if (LibC.Ioctl(fd, IocSubvolGetFlags, &flags) != 0 || (flags & SubvolReadOnly) == 0)
            {
                return false;
            }
            var writable = flags & ~SubvolReadOnly;
            if (LibC.Ioctl(fd, IocSubvolSetFlags, &writable) != 0)
            {
                return false; // not its owner: still EROFS, the kernel's first answer
            }
            if (LibC.Ioctl(dirFd, IocSnapDestroy, args) == 0)
            {
                return true;
            }
            errno = Marshal.GetLastPInvokeError();
            LibC.Ioctl(fd, IocSubvolSetFlags, &flags);
            return false;
        }
        finally
        {
            LibC.Close(fd);
        }
    }

    /// <summary>The filesystem's UUID (the same for every subvolume of it), or null when not btrfs or unreadable.</summary>
    public static Guid? FileSystemId(string path)
    {
        var fd = LibC.Open(path, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC, 0);
        if (fd < 0)
        {
            return null;
        }
        try
        {
            var args = stackalloc byte[1024];
            new Span<byte>(args, 1024).Clear();
            return LibC.Ioctl(fd, IocFsInfo, args) == 0 ? new Guid(new ReadOnlySpan<byte>(args + 16, 16)) : null;
        }
        finally
        {
            LibC.Close(fd);
        }
    }

    public void SyncFileSystem(string path)
    {
        using var dir = OpenHandle(path);
        Check(LibC.SyncFs(dir.Fd), $"sync the filesystem of {path}");
    }

    /// <summary>
    /// BTRFS_IOC_SYNC on <paramref name="path"/>'s filesystem (anyone may): commits it and wakes btrfs's transaction
    /// thread, which starts the cleaner on deleted subvolumes at once; after a plain syncfs they wait for the next
    /// periodic commit (30 s by default).
    /// </summary>
    public static void SyncAndWakeCleaner(string path)
    {
        using var dir = OpenHandle(path);
        Check(LibC.Ioctl(dir.Fd, IocSync, null), $"sync the filesystem of {path}");
    }

    /// <summary>Opens a directory (following symlinks in its own path, as the user configured it) for a batch of work.</summary>
    public IBtrfsDirectory OpenDirectory(string path) => new BtrfsDirectory(path, OpenFd(path));

    private static DirectoryHandle OpenHandle(string path) => new(OpenFd(path));

    private static int OpenFd(string path)
    {
        var fd = LibC.Open(path, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC, 0);
        Check(fd, $"open directory {path}");
        return fd;
    }

    private static void WriteName(byte* destination, int max, string name)
    {
        if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal) || name is "." or "..")
        {
            throw new BtrfsException($"invalid subvolume name '{name}'");
        }
        var bytes = Encoding.UTF8.GetBytes(name);
        if (bytes.Length > max)
        {
            throw new BtrfsException($"subvolume name too long: '{name}'");
        }
        bytes.CopyTo(new Span<byte>(destination, bytes.Length));
    }

    private static void Check(int result, string what)
    {
        if (result < 0)
        {
            Fail(Marshal.GetLastPInvokeError(), what);
        }
    }

    private static void Fail(int errno, string what)
    {
        var hint = errno switch
        {
            LibC.EPERM or LibC.EACCES when LibC.GetEUid() != 0 =>
                " (not running as root: the backups directory and .sync must belong to this user)",
            LibC.ENOTTY => " (not a btrfs filesystem?)",
            LibC.ENOSPC => " (the backup volume is full)",
            _ => string.Empty,
        };
        throw new BtrfsException($"cannot {what}: {LibC.ErrorText(errno)}{hint}", errno);
    }

    private readonly struct DirectoryHandle(int fd) : IDisposable
    {
        public int Fd { get; } = fd;

        public void Dispose() => LibC.Close(Fd);
    }
}
