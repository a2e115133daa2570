using SnapshotBackup.Core.Internal;

namespace SnapshotBackup.Core.Journal;

/// <summary>
/// What rsync is given in a journal backup (<c>--files-from</c>, relative to the source): the journal's changed entries,
/// the files open for writing, every name of a hard-linked file among them, with entries below a listed directory left
/// to rsync's recursion.
/// </summary>
/// <param name="Paths">The entries to hand rsync, sorted, none below another.</param>
/// <param name="Changed">Entries the journal recorded.</param>
/// <param name="OpenForWriting">Files added because they are (or at the last backup were) open for writing or mapped writable.</param>
/// <param name="HardLinkNames">Other names of hard-linked files, added so rsync links them in the copy as in the source.</param>
/// <param name="Refreshed">Files written since the last backup whose copy in .sync had the same size and mtime (to the nanosecond):
/// rsync's quick check would skip them, so the copy's mtime was moved and rsync copies them.</param>
public sealed record JournalList(IReadOnlyList<string> Paths, int Changed, int OpenForWriting, int HardLinkNames, int Refreshed)
{
    /// <summary>
    /// Builds the list, or returns null with <paramref name="fullScanReason"/> when only a full scan is safe (the source
    /// directory itself changed; a hard-linked file whose names the filesystem cannot list).
    /// </summary>
    /// <param name="source">The source with symlinks resolved (<see cref="ChangeJournal.RealPath"/>).</param>
    /// <param name="sync">The backup's <c>.sync</c>, whose copies of modified files may get their mtime moved.</param>
    /// <param name="ignore">The section's <c>ignore</c> patterns: an entry below an ignored directory is left out (rsync
    /// applies the patterns to a listed name and its parents, but not to the entries below a parent it would skip in a walk).</param>
    /// <param name="refresh">Files whose copy is refreshed even when the journal saw no write (mapped shared and writable:
    /// a write through the mapping makes no event and may leave the mtime alone).</param>
    public static JournalList? Build(string source, string sync, JournalChanges changes, IReadOnlySet<string> openForWriting,
        IReadOnlyList<string> ignore, IReadOnlySet<string> refresh, out string? fullScanReason)
    {
        ArgumentNullException.ThrowIfNull(changes);
        ArgumentNullException.ThrowIfNull(openForWriting);
        ArgumentNullException.ThrowIfNull(ignore);
        ArgumentNullException.ThrowIfNull(refresh);
        fullScanReason = null;
        source = source.TrimEnd('/');
        var filter = new History.ExcludeFilter(ignore);
        var listed = new HashSet<string>(changes.Paths.Where(p => !BelowIgnored(p, filter)), StringComparer.Ordinal);
        var open = openForWriting.Where(p => !BelowIgnored(p, filter)).Count(listed.Add);
        if (listed.Contains("."))
        {
            fullScanReason = "the source directory itself changed (its owner, mode, ACL or xattrs)";
            return null;
        }

        // Hard links: every name of an inode that has more than one, whether listed itself or below a listed directory
        // (a new directory whose files link to older ones elsewhere).
        var linked = new Dictionary<(uint, uint, ulong), (string Directory, uint Links)>();
        string? garbledBelow = null;
        foreach (var path in listed)
        {
            if (HasListedAncestor(path, listed))
            {
                continue;
            }
            var full = source + "/" + path;
            if (LibC.LStatx(LibC.AT_FDCWD, full, out _) is not { } info)
            {
                continue; // gone: rsync deletes it from the copy (--delete-missing-args)
            }
            if (IsDirectory(info))
            {
                FindLinked(full, linked, ref garbledBelow);
            }
            else if (info.Nlink > 1)
            {
                linked.TryAdd((info.DevMajor, info.DevMinor, info.Inode), (Path.GetDirectoryName(full)!, info.Nlink));
            }
        }
        if (garbledBelow is not null)
        {
            fullScanReason = $"a name in a changed directory is not UTF-8 ({garbledBelow})";
            return null;
        }
        var names = 0;
        var modified = new HashSet<string>(changes.Modified, StringComparer.Ordinal);
        foreach (var ((_, _, inode), (directory, links)) in linked)
        {
            if (Journal.HardLinkNames.Of(directory, inode) is not { } all)
            {
                fullScanReason = $"{directory} holds an entry with {links} hard links whose names could not all be listed (btrfs back references, as root, only)";
                return null;
            }
            var relatives = all.Where(n => n.Length > source.Length + 1 && n[source.Length] == '/' && n.StartsWith(source, StringComparison.Ordinal))
                .Select(n => n[(source.Length + 1)..]).Where(p => !BelowIgnored(p, filter)).ToList();
            names += relatives.Count(listed.Add);
            if (relatives.Any(modified.Contains))
            {
                // Written through one name: the copy of every name holds the old content (rsync links them to one of them).
                modified.UnionWith(relatives);
            }
        }

        if (listed.FirstOrDefault(p => p.Contains('\uFFFD', StringComparison.Ordinal)) is { } garbled)
        {
            fullScanReason = $"a changed name is not UTF-8 ({garbled})";
            return null;
        }
        modified.UnionWith(refresh.Where(listed.Contains));
        var realSync = ChangeJournal.RealPath(sync);
        var refreshed = modified.Count(path => Refresh(source, realSync, path));
        var top = listed.Where(p => !HasListedAncestor(p, listed)).Order(StringComparer.Ordinal).ToList();
        return new JournalList(top, changes.Paths.Count, open, names, refreshed);
    }

    /// <summary>
    /// A file written since the last backup whose copy has the same size and mtime (rewritten within one timestamp tick, or
    /// its mtime set back): the copy's mtime is moved one second back, so rsync's quick check sees a difference and copies it.
    /// The copy is reached through its directory only when no symlink is on the way (the path names what the source had).
    /// </summary>
    private static unsafe bool Refresh(string source, string sync, string path)
    {
        if (LibC.LStatx(LibC.AT_FDCWD, source + "/" + path, out _) is not { } s || !IsRegular(s))
        {
            return false;
        }
        var slash = path.LastIndexOf('/');
        var directory = slash < 0 ? sync : sync + "/" + path[..slash];
        var name = path[(slash + 1)..];
        var fd = LibC.OpenAtChecked(LibC.AT_FDCWD, directory, LibC.O_PATH | LibC.O_DIRECTORY | LibC.O_CLOEXEC, out _);
        if (fd < 0)
        {
            return false;
        }
        try
        {
            if (ChangeJournal.NameOfDescriptor(fd) != directory
                || LibC.LStatx(fd, name, out _) is not { } c || !IsRegular(c)
                || s.Size != c.Size || s.MtimeSeconds != c.MtimeSeconds || s.MtimeNanoseconds != c.MtimeNanoseconds)
            {
                return false;
            }
            const long omit = (1L << 30) - 2; // UTIME_OMIT: the access time stays
            var times = stackalloc long[4];
            times[0] = 0;
            times[1] = omit;
            times[2] = c.MtimeSeconds - 1;
            times[3] = c.MtimeNanoseconds;
            return LibC.Utimensat(fd, name, times, LibC.AT_SYMLINK_NOFOLLOW) == 0;
        }
        finally
        {
            LibC.Close(fd);
        }
    }

    /// <summary>
    /// After rsync: the mtime of each listed entry's directory, from the source onto the copy. rsync sends the attributes
    /// of a listed entry's parent directories, but not of the top one (<c>.</c>, which it would send only listed, and then
    /// recursively: a full scan) and not of any when the entry is excluded by <c>ignore</c>; an entry made, renamed or
    /// deleted in a directory changes its mtime all the same. (The directories' other attributes are their own events.)
    /// </summary>
    public void AfterRsync(string source, string sync)
    {
        source = ChangeJournal.RealPath(source.TrimEnd('/'));
        var realSync = ChangeJournal.RealPath(sync.TrimEnd('/'));
        foreach (var directory in Paths.Select(p => p.LastIndexOf('/') is var slash and > 0 ? p[..slash] : "").Distinct(StringComparer.Ordinal))
        {
            CopyMtime(source, realSync, directory);
        }
    }

    /// <summary>The directory's mtime from the source onto the copy, when both are directories and no symlink is on the way in the copy.</summary>
    private static unsafe void CopyMtime(string source, string sync, string directory)
    {
        var original = directory.Length == 0 ? source : source + "/" + directory;
        var copy = directory.Length == 0 ? sync : sync + "/" + directory;
        if (LibC.LStatx(LibC.AT_FDCWD, original, out _) is not { } s || !IsDirectory(s))
        {
            return;
        }
        var fd = LibC.OpenAtChecked(LibC.AT_FDCWD, copy, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, out _);
        if (fd < 0)
        {
            return; // not in the copy (ignored, or gone since)
        }
        try
        {
            if (ChangeJournal.NameOfDescriptor(fd) != copy)
            {
                return;
            }
            const long omit = (1L << 30) - 2; // UTIME_OMIT
            var times = stackalloc long[4];
            times[0] = 0;
            times[1] = omit;
            times[2] = s.MtimeSeconds;
            times[3] = s.MtimeNanoseconds;
            if (LibC.FUtimens(fd, times) != 0)
            {
                throw new IOException($"cannot set the mtime of {copy}: {LibC.ErrorText(System.Runtime.InteropServices.Marshal.GetLastPInvokeError())}");
            }
        }
        finally
        {
            LibC.Close(fd);
        }
    }

    /// <summary>The regular files with more than one link below <paramref name="directory"/> (one statx per entry, no path lookups).</summary>
    private static void FindLinked(string directory, Dictionary<(uint, uint, ulong), (string, uint)> linked, ref string? garbled)
    {
        var pending = new Stack<string>();
        pending.Push(directory);
        var entries = new List<(string Name, LibC.StatxInfo Info)>();
        while (pending.TryPop(out var current))
        {
            var fd = LibC.OpenAtChecked(LibC.AT_FDCWD, current, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, out _);
            if (fd < 0)
            {
                continue;
            }
            entries.Clear();
            LibC.ListWithStatx(fd, entries, out _);
            foreach (var (name, info) in entries)
            {
                if (name.Contains('\uFFFD', StringComparison.Ordinal))
                {
                    garbled = current + "/" + name;
                }
                if (IsDirectory(info))
                {
                    pending.Push(current + "/" + name);
                }
                else if (info.Nlink > 1)
                {
                    linked.TryAdd((info.DevMajor, info.DevMinor, info.Inode), (current, info.Nlink));
                }
            }
        }
    }

    /// <summary>An entry below a directory that <c>ignore</c> excludes: a walk never goes there.</summary>
    private static bool BelowIgnored(string path, History.ExcludeFilter filter)
    {
        if (filter.IsEmpty)
        {
            return false;
        }
        for (var slash = path.IndexOf('/'); slash > 0; slash = path.IndexOf('/', slash + 1))
        {
            if (filter.Excludes(path[..slash], isDirectory: true))
            {
                return true;
            }
        }
        return false;
    }

    private static bool HasListedAncestor(string path, HashSet<string> listed)
    {
        for (var i = path.LastIndexOf('/'); i > 0; i = path.LastIndexOf('/', i - 1))
        {
            if (listed.Contains(path[..i]))
            {
                return true;
            }
        }
        return false;
    }

    private static bool IsDirectory(LibC.StatxInfo info) => (info.Mode & 0xF000) == 0x4000;

    private static bool IsRegular(LibC.StatxInfo info) => (info.Mode & 0xF000) == 0x8000;
}
