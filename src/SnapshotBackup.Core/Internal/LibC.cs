using System.Runtime.InteropServices;

namespace SnapshotBackup.Core.Internal;

/// <summary>
/// Every libc call of snapshotbackup, the command's and the daemon's (x86_64 / aarch64 Linux layouts): files, locks and
/// btrfs ioctls for the engine; signals; the user database; the journal's sealed memfd; malloc_trim.
/// </summary>
internal static unsafe partial class LibC
{
    public const int O_RDONLY = 0;
    public const int O_RDWR = 2;
    public const int O_CREAT = 0x40;
    public const int O_NOFOLLOW = 0x20000;
    public const int O_DIRECTORY = 0x10000;
    public const int O_CLOEXEC = 0x80000;

    public const int LOCK_EX = 2;
    public const int LOCK_NB = 4;
    public const int LOCK_UN = 8;

    public const int EINTR = 4;
    public const int ENOENT = 2;
    public const int EPERM = 1;
    public const int EACCES = 13;
    public const int EEXIST = 17;
    public const int ENOTDIR = 20;
    public const int EWOULDBLOCK = 11;
    public const int ENOSPC = 28;
    public const int ENOTEMPTY = 39;
    public const int ELOOP = 40;
    public const int ENOTTY = 25;
    public const int ERANGE = 34;
    public const int EROFS = 30;

    public const int SIGKILL = 9;
    public const int SIGTERM = 15;

    public const uint S_IFMT = 0xF000;
    public const uint S_IFDIR = 0x4000;
    public const uint S_IFLNK = 0xA000;

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int OpenAt(int dirFd, string path, int flags, int mode);

    public const uint RENAME_NOREPLACE = 1;

    /// <summary>renameat2(2) (glibc 2.28+); with <see cref="RENAME_NOREPLACE"/> fails with EEXIST instead of replacing.</summary>
    [LibraryImport("libc", EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int RenameAt2(int oldDirFd, string oldName, int newDirFd, string newName, uint flags);

    [LibraryImport("libc", EntryPoint = "mkdirat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MkdirAt(int dirFd, string name, int mode);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request, void* argument);

    [LibraryImport("libc", EntryPoint = "flock", SetLastError = true)]
    public static partial int Flock(int fd, int operation);

    /// <summary>
    /// Releases a flock explicitly. Closing our descriptor alone does not while a copy of it lives: a child that another
    /// thread forked (rsync, btrfs) holds one from fork to exec, and the lock would outlast its holder for that moment.
    /// </summary>
    public static void ReleaseFlock(int fd) => Flock(fd, LOCK_UN);

    [LibraryImport("libc", EntryPoint = "fstatfs", SetLastError = true)]
    public static partial int FStatFs(int fd, byte* buffer);

    [LibraryImport("libc", EntryPoint = "statfs", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int StatFs(string path, byte* buffer);

    [LibraryImport("libc", EntryPoint = "fstatat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int FStatAt(int dirFd, string path, byte* buffer, int flags);

    [LibraryImport("libc", EntryPoint = "pwrite", SetLastError = true)]
    public static partial nint PWrite(int fd, byte* buffer, nuint count, long offset);

    [LibraryImport("libc", EntryPoint = "pread", SetLastError = true)]
    public static partial nint PRead(int fd, byte* buffer, nuint count, long offset);

    [LibraryImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
    public static partial int FTruncate(int fd, long length);

    [LibraryImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    public static partial int SyncFs(int fd);

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "getpid")]
    public static partial int GetPid();

    [LibraryImport("libc", EntryPoint = "isatty")]
    public static partial int IsATty(int fd);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint GetEUid();

    /// <summary>The real user id: whom sudo asks the sudoers about.</summary>
    [LibraryImport("libc", EntryPoint = "getuid")]
    public static partial uint GetUid();

    [LibraryImport("libc", EntryPoint = "realpath", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint RealPathNative(string path, nint resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void Free(nint pointer);

    /// <summary>realpath(3): the absolute path with every symlink, <c>.</c> and <c>..</c> resolved, or null when it fails.</summary>
    public static string? RealPath(string path)
    {
        var resolved = RealPathNative(path, 0);
        if (resolved == 0)
        {
            return null;
        }
        try
        {
            return Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            Free(resolved);
        }
    }

    /// <summary>struct passwd.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Passwd
    {
        public nint Name;
        public nint Password;
        public uint Uid;
        public uint Gid;
        public nint Gecos;
        public nint Dir;
        public nint Shell;
    }

    [LibraryImport("libc", EntryPoint = "getpwnam_r", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int GetPwNam(string name, Passwd* entry, byte* buffer, nuint size, Passwd** result);

    [LibraryImport("libc", EntryPoint = "getpwuid_r")]
    public static partial int GetPwUid(uint uid, Passwd* entry, byte* buffer, nuint size, Passwd** result);

    /// <summary>glibc only: gives freed heap memory back to the system.</summary>
    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    public static partial int MallocTrim(nuint pad);

    public const uint MFD_CLOEXEC = 0x1;
    public const uint MFD_ALLOW_SEALING = 0x2;
    public const int F_ADD_SEALS = 1033;
    public const int F_SETPIPE_SZ = 1031;
    public const int F_SEAL_SEAL = 0x1;
    public const int F_SEAL_SHRINK = 0x2;
    public const int F_SEAL_GROW = 0x4;
    public const int F_SEAL_WRITE = 0x8;
    public const int SOL_SOCKET = 1;
    public const int SCM_RIGHTS = 1;
    public const int MSG_NOSIGNAL = 0x4000;

    /// <summary>struct msghdr (64-bit).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct MsgHdr
    {
        public nint Name;
        public uint NameLength;
        public nint Iov;
        public nuint IovLength;
        public nint Control;
        public nuint ControlLength;
        public int Flags;
    }

    [LibraryImport("libc", EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MemfdCreate(string name, uint flags);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    public static partial int Fcntl(SafeHandle fd, int command, int argument);

    // ---- The copy relay: splice(2) pipe to pipe, poll(2) when a pipe is non-blocking ----

    public const int F_GETFL = 3;
    public const int F_GETPIPE_SZ = 1032;
    public const int O_NONBLOCK = 0x800;
    public const int EAGAIN = 11;
    public const int EPIPE = 32;
    public const int EINVAL = 22;
    public const uint SPLICE_F_MOVE = 1;
    public const uint SPLICE_F_MORE = 4;
    public const short POLLIN = 0x1;
    public const short POLLOUT = 0x4;

    /// <summary>On <c>/proc/self/mountinfo</c>, POLLPRI|POLLERR after a mount table change.</summary>
    public const short POLLPRI = 0x2;
    public const short POLLERR = 0x8;
    public const short POLLNVAL = 0x20;

    /// <summary>splice(2): moves up to <paramref name="length"/> bytes from one fd to another, one of them a pipe, without
    /// copying through user space; 0 at the end of the input, -1 with errno on failure.</summary>
    [LibraryImport("libc", EntryPoint = "splice", SetLastError = true)]
    public static partial nint Splice(int inFd, long* inOffset, int outFd, long* outOffset, nuint length, uint flags);

    /// <summary>struct pollfd.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Returned;
    }

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMilliseconds);

    [LibraryImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    public static partial nint SendMsg(SafeHandle socket, MsgHdr* message, int flags);

    public const int AT_SYMLINK_NOFOLLOW = 0x100;
    public const int AT_FDCWD = -100;

    /// <summary>The fields of struct stat (x86_64 and aarch64 share these offsets for the ones read here).</summary>
    public readonly record struct StatInfo(ulong Device, ulong Inode, uint Mode, uint Uid, uint Gid)
    {
        public bool IsDirectory => (Mode & S_IFMT) == S_IFDIR;
        public bool IsSymlink => (Mode & S_IFMT) == S_IFLNK;
    }

    /// <summary>lstat relative to a directory fd; null with errno when it fails.</summary>
    public static StatInfo? LStatAt(int dirFd, string name, out int errno) => StatAt(dirFd, name, AT_SYMLINK_NOFOLLOW, out errno);

    /// <summary>stat (following symlinks) of an absolute path; null with errno when it fails.</summary>
    public static StatInfo? Stat(string path, out int errno) => StatAt(AT_FDCWD, path, 0, out errno);

    private static StatInfo? StatAt(int dirFd, string path, int flags, out int errno)
    {
        var buffer = stackalloc byte[256];
        if (FStatAt(dirFd, path, buffer, flags) != 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return null;
        }
        errno = 0;
        // x86_64: st_dev@0 st_ino@8 st_nlink@16 st_mode@24 st_uid@28 st_gid@32;
        // aarch64: st_dev@0 st_ino@8 st_mode@16 st_nlink@20 st_uid@24 st_gid@28.
        var arm64 = RuntimeInformation.ProcessArchitecture == Architecture.Arm64;
        return new StatInfo(
            Device: *(ulong*)buffer,
            Inode: *(ulong*)(buffer + 8),
            Mode: *(uint*)(buffer + (arm64 ? 16 : 24)),
            Uid: *(uint*)(buffer + (arm64 ? 24 : 28)),
            Gid: *(uint*)(buffer + (arm64 ? 28 : 32)));
    }

    /// <summary>The f_type of the filesystem holding <paramref name="path"/>, or null with errno.</summary>
    public static long? FileSystemType(string path, out int errno)
    {
        var buffer = stackalloc byte[256];
        if (StatFs(path, buffer) != 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return null;
        }
        errno = 0;
        return *(long*)buffer;
    }

    /// <summary>Bytes available to unprivileged users and total bytes of the filesystem holding <paramref name="path"/>.</summary>
    public static (long Available, long Total)? FileSystemSpace(string path)
    {
        // struct statfs (64-bit): f_type@0 f_bsize@8 f_blocks@16 f_bfree@24 f_bavail@32.
        var buffer = stackalloc byte[256];
        if (StatFs(path, buffer) != 0)
        {
            return null;
        }
        var blockSize = *(long*)(buffer + 8);
        return (*(long*)(buffer + 32) * blockSize, *(long*)(buffer + 16) * blockSize);
    }

    public const int CLOCK_MONOTONIC = 1;
    public const int CLOCK_BOOTTIME = 7;

    /// <summary>clock_gettime(2) in microseconds (timespec is two longs on 64-bit Linux).</summary>
    public static unsafe long ClockMicroseconds(int clock)
    {
        var timespec = stackalloc long[2];
        if (ClockGetTime(clock, timespec) != 0)
        {
            throw new InvalidOperationException($"clock_gettime({clock}) failed: {ErrorText(Marshal.GetLastPInvokeError())}");
        }
        return (timespec[0] * 1_000_000L) + (timespec[1] / 1_000L);
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime", SetLastError = true)]
    private static unsafe partial int ClockGetTime(int clock, long* timespec);

    // ---- History (versions, diff): statx, xattrs, symlinks, FIEMAP, openat2, btrfs INO_PATHS ----

    public const int O_PATH = 0x200000;
    public const int AT_EMPTY_PATH = 0x1000;
    public const uint STATX_BASIC_STATS = 0x7ff;
    public const int ENOSYS = 38;
    public const int ENODATA = 61;
    public const int E2BIG = 7;

    /// <summary>The fields of struct statx the history commands compare (offsets of the kernel's struct statx).</summary>
    public readonly record struct StatxInfo(
        uint Mode, uint Uid, uint Gid, uint Nlink, ulong Inode, long Size,
        long MtimeSeconds, uint MtimeNanoseconds, long CtimeSeconds, uint CtimeNanoseconds,
        uint RdevMajor, uint RdevMinor, uint DevMajor, uint DevMinor);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatxNative(int dirFd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static partial int StatxBytes(int dirFd, byte* path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "fdopendir", SetLastError = true)]
    private static partial nint FdOpenDir(int fd);

    [LibraryImport("libc", EntryPoint = "readdir", SetLastError = true)]
    private static partial byte* ReadDir(nint dir);

    [LibraryImport("libc", EntryPoint = "closedir", SetLastError = true)]
    private static partial int CloseDir(nint dir);

    /// <summary>glibc's struct dirent on 64-bit Linux: d_ino (8), d_off (8), d_reclen (2), d_type (1), then d_name.</summary>
    private const int DirentNameOffset = 19;

    /// <summary>
    /// Each entry of the open directory <paramref name="directoryFd"/> (taken over and closed) with its statx, not
    /// following symlinks: one readdir pass and one statx per entry relative to the directory, no path lookups.
    /// An entry that vanished between the two is left out; false when the directory could not be read
    /// (<paramref name="errno"/> says why).
    /// </summary>
    public static bool ListWithStatx(int directoryFd, List<(string Name, StatxInfo Info)> entries, out int errno)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var dir = FdOpenDir(directoryFd);
        if (dir == 0)
        {
            errno = Marshal.GetLastPInvokeError();
            Close(directoryFd);
            return false;
        }
        try
        {
            var b = stackalloc byte[256];
            while (true)
            {
                Marshal.SetLastPInvokeError(0);
                var entry = ReadDir(dir);
                if (entry == null)
                {
                    errno = Marshal.GetLastPInvokeError();
                    return errno == 0;
                }
                var name = entry + DirentNameOffset;
                if (name[0] == (byte)'.' && (name[1] == 0 || (name[1] == (byte)'.' && name[2] == 0)))
                {
                    continue;
                }
                if (StatxBytes(directoryFd, name, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, b) != 0)
                {
                    continue; // gone since the listing
                }
                entries.Add((Marshal.PtrToStringUTF8((nint)name)!, Read(b)));
            }
        }
        finally
        {
            CloseDir(dir);
        }
    }

    /// <summary>statx(2) of <paramref name="path"/> (relative to <paramref name="dirFd"/>), not following a final symlink.</summary>
    public static StatxInfo? LStatx(int dirFd, string path, out int errno)
    {
        var b = stackalloc byte[256];
        if (StatxNative(dirFd, path, AT_SYMLINK_NOFOLLOW | (path.Length == 0 ? AT_EMPTY_PATH : 0), STATX_BASIC_STATS, b) != 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return null;
        }
        errno = 0;
        return Read(b);
    }

    private static StatxInfo Read(byte* b)
    {
        // stx_nlink@16 uid@20 gid@24 mode(u16)@28 ino@32 size@40 ctime@96 mtime@112 (timestamps: s64 sec, u32 nsec)
        // rdev_major@128 rdev_minor@132 dev_major@136 dev_minor@140.
        return new StatxInfo(
            Mode: *(ushort*)(b + 28), Uid: *(uint*)(b + 20), Gid: *(uint*)(b + 24), Nlink: *(uint*)(b + 16),
            Inode: *(ulong*)(b + 32), Size: *(long*)(b + 40),
            MtimeSeconds: *(long*)(b + 112), MtimeNanoseconds: *(uint*)(b + 120),
            CtimeSeconds: *(long*)(b + 96), CtimeNanoseconds: *(uint*)(b + 104),
            RdevMajor: *(uint*)(b + 128), RdevMinor: *(uint*)(b + 132), DevMajor: *(uint*)(b + 136), DevMinor: *(uint*)(b + 140));
    }

    [LibraryImport("libc", EntryPoint = "llistxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint LListXattr(string path, byte* list, nuint size);

    [LibraryImport("libc", EntryPoint = "lgetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint LGetXattr(string path, byte* name, byte* value, nuint size);

    [LibraryImport("libc", EntryPoint = "readlink", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint ReadLink(string path, byte* buffer, nuint size);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static partial long Syscall4(long number, long a, long b, long c, long d);

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenAtNative(int dirFd, string path, int flags, int mode);

    public const ulong RESOLVE_NO_SYMLINKS = 0x04;
    public const ulong RESOLVE_BENEATH = 0x08;

    /// <summary>
    /// openat2(2) with <paramref name="resolve"/> flags (kernel 5.6+): -1 with errno on failure; ENOSYS on older kernels.
    /// </summary>
    public static int OpenAt2(int dirFd, string path, int flags, ulong resolve, out int errno)
    {
        var how = stackalloc ulong[3];
        how[0] = (ulong)(uint)flags;
        how[1] = 0;
        how[2] = resolve;
        var bytes = System.Text.Encoding.UTF8.GetBytes(path + "\0");
        long fd;
        fixed (byte* p = bytes)
        {
            // 437 is openat2 on x86_64 and aarch64 alike (the generic syscall table).
            fd = Syscall4(437, dirFd, (long)p, (long)how, 24);
        }
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return (int)fd;
    }

    /// <summary>openat(2) returning -1 with errno on failure.</summary>
    public static int OpenAtChecked(int dirFd, string path, int flags, out int errno)
    {
        var fd = OpenAtNative(dirFd, path, flags, 0);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return fd;
    }

    /// <summary>FS_IOC_FIEMAP: _IOWR('f', 11, struct fiemap) with sizeof(struct fiemap) == 32.</summary>
    public const nuint FS_IOC_FIEMAP = 0xC020660B;

    /// <summary>BTRFS_IOC_INO_PATHS: _IOWR(0x94, 35, struct btrfs_ioctl_ino_path_args) (56 bytes); needs CAP_SYS_ADMIN.</summary>
    public const nuint BTRFS_IOC_INO_PATHS = 0xC0389423;

    public static string ErrorText(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}
