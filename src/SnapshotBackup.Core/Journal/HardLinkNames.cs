using System.Runtime.InteropServices;
using SnapshotBackup.Core.Internal;

namespace SnapshotBackup.Core.Journal;

/// <summary>
/// Every name of a hard-linked file, from btrfs's back references (BTRFS_IOC_INO_PATHS, relative to the file's subvolume,
/// placed with BTRFS_IOC_INO_LOOKUP of its directory). rsync links the names of an inode in the copy only when every name
/// is in the transfer: a journal backup lists them all. Needs CAP_SYS_ADMIN; other filesystems have no such lookup.
/// </summary>
public static unsafe class HardLinkNames
{
    /// <summary>The absolute paths of inode <paramref name="inode"/>, which has a name in <paramref name="directory"/>; null when btrfs cannot say.</summary>
    public static IReadOnlyList<string>? Of(string directory, ulong inode)
    {
        var fd = LibC.OpenAtChecked(LibC.AT_FDCWD, directory, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC, out _);
        if (fd < 0)
        {
            return null;
        }
        try
        {
            if (LibC.LStatx(fd, "", out _) is not { } self || SubvolumeRoot(fd, directory, self.Inode) is not { } root)
            {
                return null;
            }
            return Relative(fd, inode)?.Select(relative => root.Length == 0 ? "/" + relative : root + "/" + relative).ToList();
        }
        finally
        {
            LibC.Close(fd);
        }
    }

    /// <summary>
    /// The paths of inode <paramref name="inode"/> relative to the top of the subvolume that <paramref name="fd"/> is in
    /// (BTRFS_IOC_INO_PATHS, the container grown until every path fits); null when the ioctl fails.
    /// </summary>
    internal static IReadOnlyList<string>? Relative(int fd, ulong inode)
    {
        for (var size = 64 * 1024; size <= 16 * 1024 * 1024; size *= 4)
        {
            var container = new byte[size];
            fixed (byte* data = container)
            {
                var args = stackalloc ulong[7];
                args[0] = inode;
                args[1] = (ulong)size;
                args[2] = args[3] = args[4] = args[5] = 0;
                args[6] = (ulong)data;
                if (LibC.Ioctl(fd, LibC.BTRFS_IOC_INO_PATHS, args) != 0)
                {
                    return null;
                }
                if (*(uint*)(data + 4) > 0)
                {
                    continue; // elem_missed: a larger container
                }
                var count = *(uint*)(data + 8);
                var values = (ulong*)(data + 16);
                var paths = new List<string>((int)count);
                for (var i = 0; i < count; i++)
                {
                    paths.Add(Marshal.PtrToStringUTF8((nint)(data + 16 + (long)values[i])) ?? string.Empty);
                }
                return paths;
            }
        }
        return null;
    }

    /// <summary>
    /// Whether a btrfs subvolume lies inside <paramref name="directory"/> (directly in its own subvolume: one nested
    /// deeper is inside that one). GET_SUBVOL_ROOTREF lists the subvolumes in the directory's subvolume, each by the
    /// directory holding it, named with INO_LOOKUP. Null when btrfs cannot say. A subvolume being deleted is no longer
    /// listed.
    /// </summary>
    public static bool? HasSubvolumesInside(string directory)
    {
        var fd = LibC.OpenAtChecked(LibC.AT_FDCWD, directory, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC, out _);
        if (fd < 0)
        {
            return null;
        }
        try
        {
            if (LibC.LStatx(fd, "", out _) is not { } self || PathInSubvolume(fd, self.Inode) is not { } inside)
            {
                return null;
            }
            var args = stackalloc byte[4096];
            ulong from = 0;
            while (true)
            {
                new Span<byte>(args, 4096).Clear();
                *(ulong*)args = from;
                var result = LibC.Ioctl(fd, LibC.BTRFS_IOC_GET_SUBVOL_ROOTREF, args);
                var more = result != 0 && Marshal.GetLastPInvokeError() == LibC.EOVERFLOW;
                if (result != 0 && !more)
                {
                    return null;
                }
                int count = args[8 + 255 * 16];
                for (var i = 0; i < count; i++)
                {
                    var dirId = *(ulong*)(args + 8 + i * 16 + 8);
                    if (PathInSubvolume(fd, dirId) is not { } holder)
                    {
                        return null;
                    }
                    if (inside.Length == 0 || holder == inside || holder.StartsWith(inside + "/", StringComparison.Ordinal))
                    {
                        return true;
                    }
                }
                if (!more)
                {
                    return false;
                }
                from = *(ulong*)args;
            }
        }
        finally
        {
            LibC.Close(fd);
        }
    }

    /// <summary>The path of directory <paramref name="inode"/> inside the subvolume of <paramref name="fd"/> ("" for its top), without a trailing slash.</summary>
    private static string? PathInSubvolume(int fd, ulong inode)
    {
        var args = stackalloc byte[4096];
        new Span<byte>(args, 4096).Clear(); // treeid 0: the fd's own subvolume
        *(ulong*)(args + 8) = inode;
        if (LibC.Ioctl(fd, LibC.BTRFS_IOC_INO_LOOKUP, args) != 0)
        {
            return null;
        }
        return (Marshal.PtrToStringUTF8((nint)(args + 16)) ?? string.Empty).TrimEnd('/');
    }

    /// <summary>Where the subvolume holding <paramref name="directory"/> starts: the directory minus its path inside the subvolume.</summary>
    private static string? SubvolumeRoot(int fd, string directory, ulong inode)
    {
        if (PathInSubvolume(fd, inode) is not { } inside)
        {
            return null;
        }
        var full = directory.TrimEnd('/');
        if (inside.Length == 0)
        {
            return full;
        }
        return full.EndsWith("/" + inside, StringComparison.Ordinal) ? full[..^(inside.Length + 1)] : null;
    }
}
