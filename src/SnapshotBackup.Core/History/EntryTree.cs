using System.IO.Enumeration;
using System.Runtime.InteropServices;
using System.Text;
using SnapshotBackup.Core.Internal;

namespace SnapshotBackup.Core.History;

/// <summary>
/// Read-only access to the entries below one top directory (a snapshot or the source) by paths relative to it. Paths
/// never pass through a symlink: a path whose parent is reached through one is absent, as it is to a walk by names.
/// Nothing here writes: files are opened read-only, directories only to read them.
/// </summary>
public sealed unsafe class EntryTree : IDisposable
{
    private const uint FiemapUnprovable = 0x2 | 0x4 | 0x8 | 0x80 | 0x100 | 0x200 | 0x400; // UNKNOWN DELALLOC ENCODED ENCRYPTED NOT_ALIGNED INLINE TAIL
    private const uint FiemapIgnored = 0x1 | 0x2000; // LAST, SHARED
    private readonly int _rootFd;

    public EntryTree(string root)
    {
        Root = root.TrimEnd('/');
        if (Root.Length == 0)
        {
            Root = "/";
        }
        _rootFd = LibC.OpenAtChecked(LibC.AT_FDCWD, Root, LibC.O_PATH | LibC.O_DIRECTORY | LibC.O_CLOEXEC, out var errno);
        if (_rootFd < 0)
        {
            throw new UnreadableEntryException(Root, LibC.ErrorText(errno));
        }
    }

    /// <summary>The top directory, without a trailing slash.</summary>
    public string Root { get; }

    /// <summary>System calls made (statx, openat2, listxattr, getxattr, readlink, FIEMAP, reads): the cost figure of tests.</summary>
    public long Calls { get; private set; }

    public string FullPath(string relative) => relative.Length == 0 ? Root : Root == "/" ? "/" + relative : Root + "/" + relative;

    /// <summary>
    /// The entry at <paramref name="relative"/>, or null when it is absent (or its parent is reached through a symlink
    /// or is not a directory). Throws <see cref="UnreadableEntryException"/> when permission is denied.
    /// </summary>
    public EntryState? Stat(string relative)
    {
        var slash = relative.LastIndexOf('/');
        if (slash < 0)
        {
            Calls++;
            return Interpret(relative, LibC.LStatx(_rootFd, relative, out var e), e);
        }
        Calls++;
        var parentFd = LibC.OpenAt2(_rootFd, relative[..slash], LibC.O_PATH | LibC.O_DIRECTORY | LibC.O_CLOEXEC,
            LibC.RESOLVE_NO_SYMLINKS | LibC.RESOLVE_BENEATH, out var errno);
        if (parentFd < 0 && errno == LibC.ENOSYS)
        {
            parentFd = OpenParentByComponents(relative[..slash], out errno);
        }
        if (parentFd < 0)
        {
            return errno is LibC.EACCES or LibC.EPERM ? throw new UnreadableEntryException(relative, LibC.ErrorText(errno)) : null;
        }
        try
        {
            Calls++;
            return Interpret(relative, LibC.LStatx(parentFd, relative[(slash + 1)..], out var e), e);
        }
        finally
        {
            LibC.Close(parentFd);
        }
    }

    /// <summary>lstat of an entry found by a walk (its parent is a directory the walk stat'ed): one statx by path.</summary>
    public EntryState? StatWalked(string relative)
    {
        Calls++;
        return Interpret(relative, LibC.LStatx(LibC.AT_FDCWD, FullPath(relative), out var e), e);
    }

    private static EntryState? Interpret(string relative, LibC.StatxInfo? info, int errno)
    {
        if (info is { } found)
        {
            return EntryState.From(found);
        }
        return errno is LibC.EACCES or LibC.EPERM ? throw new UnreadableEntryException(relative, LibC.ErrorText(errno)) : null;
    }

    /// <summary>Without openat2 (kernels before 5.6): one O_NOFOLLOW open per component.</summary>
    private int OpenParentByComponents(string relative, out int errno)
    {
        var fd = LibC.OpenAtChecked(_rootFd, ".", LibC.O_PATH | LibC.O_DIRECTORY | LibC.O_CLOEXEC, out errno);
        foreach (var part in relative.Split('/'))
        {
            if (fd < 0)
            {
                return fd;
            }
            Calls++;
            var next = LibC.OpenAtChecked(fd, part, LibC.O_PATH | LibC.O_DIRECTORY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, out errno);
            LibC.Close(fd);
            fd = next;
        }
        return fd;
    }

    /// <summary>The names in directory <paramref name="relative"/> (not . and ..), sorted ordinally.</summary>
    public IReadOnlyList<string> Children(string relative)
    {
        Calls++;
        var names = new List<string>();
        try
        {
            var enumerable = new FileSystemEnumerable<string>(FullPath(relative), static (ref FileSystemEntry e) => e.FileName.ToString(),
                new EnumerationOptions { RecurseSubdirectories = false, IgnoreInaccessible = false, AttributesToSkip = 0, ReturnSpecialDirectories = false });
            names.AddRange(enumerable);
        }
        catch (UnauthorizedAccessException)
        {
            throw new UnreadableEntryException(relative.Length == 0 ? "." : relative, "cannot list the directory: permission denied");
        }
        catch (DirectoryNotFoundException)
        {
            // It went away between the stat and the listing (a live source): nothing inside.
        }
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <summary>
    /// The entries of the directory <paramref name="relative"/> with their state, unsorted: the directory opened once
    /// (without following a symlink on the way) and a statx per entry relative to it, no path lookups.
    /// </summary>
    public IReadOnlyList<(string Name, EntryState State)> StatChildren(string relative)
    {
        Calls++;
        var fd = LibC.OpenAt2(_rootFd, relative.Length == 0 ? "." : relative, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC,
            LibC.RESOLVE_NO_SYMLINKS | LibC.RESOLVE_BENEATH, out var errno);
        if (fd < 0 && errno == LibC.ENOSYS)
        {
            // Kernels before 5.6: by names, each entry by path.
            return [.. Children(relative).Select(n => (n, StatWalked(relative.Length == 0 ? n : relative + "/" + n)))
                .Where(e => e.Item2 is not null).Select(e => (e.n, e.Item2!))];
        }
        if (fd < 0)
        {
            return errno is LibC.EACCES or LibC.EPERM
                ? throw new UnreadableEntryException(relative.Length == 0 ? "." : relative, "cannot list the directory: " + LibC.ErrorText(errno))
                : [];
        }
        var entries = new List<(string, LibC.StatxInfo)>();
        if (!LibC.ListWithStatx(fd, entries, out errno))
        {
            throw new UnreadableEntryException(relative.Length == 0 ? "." : relative, "cannot list the directory: " + LibC.ErrorText(errno));
        }
        Calls += entries.Count;
        return [.. entries.Select(e => (e.Item1, EntryState.From(e.Item2)))];
    }

    /// <summary>A symlink's target (as bytes decoded from UTF-8).</summary>
    public string LinkTarget(string relative)
    {
        Calls++;
        var buffer = new byte[4096];
        fixed (byte* p = buffer)
        {
            var n = LibC.ReadLink(FullPath(relative), p, (nuint)buffer.Length);
            if (n < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                throw new UnreadableEntryException(relative, "cannot read the symlink: " + LibC.ErrorText(errno));
            }
            return Encoding.UTF8.GetString(buffer, 0, (int)n);
        }
    }

    /// <summary>Every extended attribute (ACLs are system.posix_acl_*) by name, sorted; empty where none or unsupported.</summary>
    public SortedDictionary<string, byte[]> Xattrs(string relative)
    {
        var result = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        var path = FullPath(relative);
        byte[] names;
        while (true)
        {
            Calls++;
            var size = LibC.LListXattr(path, null, 0);
            if (size < 0)
            {
                return ListFailed(relative, Marshal.GetLastPInvokeError(), result);
            }
            if (size == 0)
            {
                return result;
            }
            names = new byte[size];
            fixed (byte* p = names)
            {
                Calls++;
                var got = LibC.LListXattr(path, p, (nuint)names.Length);
                if (got >= 0)
                {
                    names = names[..(int)got];
                    break;
                }
                var errno = Marshal.GetLastPInvokeError();
                if (errno != LibC.ERANGE)
                {
                    return ListFailed(relative, errno, result);
                }
            }
        }
        var start = 0;
        for (var i = 0; i < names.Length; i++)
        {
            if (names[i] != 0)
            {
                continue;
            }
            if (i > start)
            {
                var name = names.AsSpan(start, i - start).ToArray();
                if (ReadXattr(relative, path, name) is { } value)
                {
                    result[Encoding.UTF8.GetString(name)] = value;
                }
            }
            start = i + 1;
        }
        return result;
    }

    private static SortedDictionary<string, byte[]> ListFailed(string relative, int errno, SortedDictionary<string, byte[]> empty) =>
        errno is 95 /* EOPNOTSUPP */ ? empty : throw new UnreadableEntryException(relative, "cannot list extended attributes: " + LibC.ErrorText(errno));

    private byte[]? ReadXattr(string relative, string path, byte[] name)
    {
        var zeroTerminated = new byte[name.Length + 1];
        name.CopyTo(zeroTerminated, 0);
        fixed (byte* n = zeroTerminated)
        {
            while (true)
            {
                Calls++;
                var size = LibC.LGetXattr(path, n, null, 0);
                if (size < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    return errno == LibC.ENODATA ? null : throw new UnreadableEntryException(relative,
                        $"cannot read extended attribute {Encoding.UTF8.GetString(name)}: {LibC.ErrorText(errno)}");
                }
                var value = new byte[size];
                fixed (byte* v = value)
                {
                    Calls++;
                    var got = size == 0 ? 0 : LibC.LGetXattr(path, n, v, (nuint)value.Length);
                    if (got >= 0)
                    {
                        return value[..(int)got];
                    }
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno != LibC.ERANGE)
                    {
                        return errno == LibC.ENODATA ? null : throw new UnreadableEntryException(relative, "cannot read extended attributes: " + LibC.ErrorText(errno));
                    }
                }
            }
        }
    }

    /// <summary>
    /// The file's extents by FIEMAP, or null when they cannot prove anything (inline or encoded data, unknown or
    /// delayed allocation, FIEMAP unsupported). Throws <see cref="UnreadableEntryException"/> when it cannot be opened.
    /// </summary>
    public IReadOnlyList<Extent>? Extents(string relative)
    {
        var fd = OpenForReading(relative);
        try
        {
            const int Count = 128;
            const int Size = 32 + (Count * 56);
            var buffer = stackalloc byte[Size];
            var extents = new List<Extent>();
            ulong start = 0;
            while (true)
            {
                new Span<byte>(buffer, Size).Clear();
                *(ulong*)buffer = start;
                *(ulong*)(buffer + 8) = ulong.MaxValue;
                *(uint*)(buffer + 24) = Count;
                Calls++;
                if (LibC.Ioctl(fd, LibC.FS_IOC_FIEMAP, buffer) != 0)
                {
                    return null;
                }
                var mapped = *(uint*)(buffer + 20);
                if (mapped == 0)
                {
                    return extents;
                }
                for (var i = 0; i < mapped; i++)
                {
                    var e = buffer + 32 + (i * 56);
                    var flags = *(uint*)(e + 40);
                    if ((flags & FiemapUnprovable) != 0)
                    {
                        return null;
                    }
                    extents.Add(new Extent(*(ulong*)e, *(ulong*)(e + 8), *(ulong*)(e + 16), flags & ~FiemapIgnored));
                    if ((flags & 0x1) != 0)
                    {
                        return extents;
                    }
                    start = *(ulong*)e + *(ulong*)(e + 16);
                }
            }
        }
        finally
        {
            LibC.Close(fd);
        }
    }

    /// <summary>The file's contents, read-only; throws <see cref="UnreadableEntryException"/> when it cannot be opened.</summary>
    public FileStream OpenRead(string relative)
    {
        var fd = OpenForReading(relative);
        return new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true), FileAccess.Read, 0);
    }

    private int OpenForReading(string relative)
    {
        Calls++;
        var fd = LibC.OpenAtChecked(LibC.AT_FDCWD, FullPath(relative), LibC.O_RDONLY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, out var errno);
        return fd >= 0 ? fd : throw new UnreadableEntryException(relative, "cannot open: " + LibC.ErrorText(errno));
    }

    /// <summary>
    /// Every path of inode <paramref name="inode"/> in this tree, which must be a btrfs subvolume's top (BTRFS_IOC_INO_PATHS;
    /// needs CAP_SYS_ADMIN). Null when the ioctl fails.
    /// </summary>
    public IReadOnlyList<string>? InodePaths(ulong inode)
    {
        var fd = LibC.OpenAtChecked(LibC.AT_FDCWD, Root, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC, out _);
        if (fd < 0)
        {
            return null;
        }
        try
        {
            Calls++;
            return Journal.HardLinkNames.Relative(fd, inode);
        }
        finally
        {
            LibC.Close(fd);
        }
    }

    public void Dispose() => LibC.Close(_rootFd);
}
