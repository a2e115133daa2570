using System.Runtime.InteropServices;
using System.Text;
using SnapshotBackup.Core.Internal;

namespace SnapshotBackup.Core.Journal;

/// <summary>The kernel would not watch the source's filesystem: the section keeps full scans.</summary>
public sealed class ChangeJournalUnavailableException : Exception
{
    public ChangeJournalUnavailableException(string message) : base(message)
    {
    }

    public ChangeJournalUnavailableException()
    {
    }

    public ChangeJournalUnavailableException(string message, Exception inner) : base(message, inner)
    {
    }
}

/// <summary>What the journal saw since the last <see cref="ChangeJournal.Take"/>.</summary>
/// <param name="Paths">The changed entries, relative to the source ('/'-separated, no leading slash), sorted.</param>
/// <param name="Overflowed">The kernel's queue overflowed: events were lost, so only a full scan is safe.</param>
/// <param name="Unresolved">Events whose directory could no longer be named (deleted since); their ancestors' own events cover them.</param>
/// <param name="Modified">The entries among <paramref name="Paths"/> whose content was written (FAN_MODIFY), not only their attributes.</param>
public sealed record JournalChanges(IReadOnlyList<string> Paths, bool Overflowed, int Unresolved, IReadOnlySet<string> Modified)
{
    /// <summary>More than <see cref="ChangeJournal.MaxEntries"/> entries changed: none were kept, only a full scan is safe.</summary>
    public bool TooMany { get; init; }

    /// <summary>Why some events could not be named (not because their directory is gone); null when all were. Only a full scan is safe.</summary>
    public string? Unnamed { get; init; }

    /// <summary>A directory above the source was made, renamed or deleted: changes made meanwhile may be named elsewhere.</summary>
    public bool AncestorChanged { get; init; }
}

/// <summary>
/// A change journal of one local source: fanotify(7) on the whole filesystem holding it (FAN_MARK_FILESYSTEM), with each
/// event's directory handle and entry name (FAN_REPORT_DFID_NAME): creations, deletions, moves, modifications,
/// close-after-write and attribute changes (owner, mode, ACLs, xattrs, times), of files and directories. A thread reads
/// the events, names each directory by its handle (open_by_handle_at, then /proc/self/fd), keeps the entries under the
/// source and drops the rest. Needs CAP_SYS_ADMIN (fanotify) and CAP_DAC_READ_SEARCH (handles); a kernel that refuses
/// the mark (EXDEV: a btrfs subvolume with its own fsid on kernels before 6.8; ENODEV/EOPNOTSUPP: FUSE, NFS) throws
/// <see cref="ChangeJournalUnavailableException"/>. Kept per section by the daemon through <see cref="SourceJournal"/>.
/// </summary>
public sealed unsafe class ChangeJournal : IDisposable
{
    private const ulong Mask = LibC.FAN_CREATE | LibC.FAN_DELETE | LibC.FAN_MOVED_FROM | LibC.FAN_MOVED_TO | LibC.FAN_MODIFY
                               | LibC.FAN_CLOSE_WRITE | LibC.FAN_ATTRIB | LibC.FAN_DELETE_SELF | LibC.FAN_MOVE_SELF | LibC.FAN_ONDIR;

    private const ulong DirectoryMoves = LibC.FAN_MOVED_FROM | LibC.FAN_MOVED_TO | LibC.FAN_DELETE | LibC.FAN_MOVE_SELF | LibC.FAN_DELETE_SELF;

    /// <summary>
    /// At most this many changed entries are kept between two backups; beyond, the journal keeps none and the next backup
    /// scans everything (cheaper by then, and the daemon's memory stays bounded).
    /// </summary>
    public const int MaxEntries = 200_000;

    /// <summary>Directory names cached by handle, at most this many (then the cache starts again).</summary>
    private const int CachedDirectories = 4096;

    private readonly int _fd;
    /// <summary>
    /// The source opened while a batch of events is named (open_by_handle_at needs a descriptor on the filesystem); -1
    /// between batches: the journal holds nothing open in the source, so its disk can be unmounted while the daemon runs.
    /// </summary>
    private int _mountFd = -1;

    /// <summary>The mount point of the source's filesystem, opened to name events by handle.</summary>
    private readonly string _mountRoot;

    /// <summary>An eventfd that wakes the reader to stop (-1 if it could not be made: the reader then polls every 500 ms).</summary>
    private readonly int _wake;
    private readonly string _source;
    private readonly Thread _reader;
    private readonly object _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<string, string> _directories = new(StringComparer.Ordinal);
    private HashSet<string> _paths = new(StringComparer.Ordinal);
    private HashSet<string> _modified = new(StringComparer.Ordinal);

    /// <summary>Files written or changed under the source, by fsid and handle: the name the event gave and whether content was written.</summary>
    private Dictionary<string, Touched> _touched = new(StringComparer.Ordinal);
    private bool _overflowed;
    private bool _tooMany;
    private string? _unnamed;
    private bool _ancestorChanged;
    private int _unresolved;
    private int _disposed;

    /// <summary>Starts watching; events from now on are recorded.</summary>
    public ChangeJournal(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        _source = RealPath(Path.TrimEndingDirectorySeparator(Path.GetFullPath(source)));
        _fd = LibC.FanotifyInit(LibC.FAN_CLOEXEC | LibC.FAN_NONBLOCK | LibC.FAN_REPORT_DIR_FID | LibC.FAN_REPORT_NAME | LibC.FAN_REPORT_FID, (uint)(LibC.O_RDONLY | LibC.O_CLOEXEC));
        if (_fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new ChangeJournalUnavailableException($"fanotify_init failed ({Errno(errno)}): {(errno == LibC.EPERM ? "needs CAP_SYS_ADMIN" : "no fanotify with directory handles on this kernel")}");
        }
        try
        {
            if (LibC.FanotifyMark(_fd, LibC.FAN_MARK_ADD | LibC.FAN_MARK_FILESYSTEM, Mask, LibC.AT_FDCWD, _source) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                // A btrfs subvolume has an fsid of its own, and the kernel marks a filesystem only through a path with
                // the filesystem's (its mount's root, when that is the top-level subvolume); the events of every
                // subvolume are reported then.
                var root = errno == LibC.EXDEV ? Volume.MountTable.System.MountOf(_source)?.MountPoint : null;
                if (root is null || LibC.FanotifyMark(_fd, LibC.FAN_MARK_ADD | LibC.FAN_MARK_FILESYSTEM, Mask, LibC.AT_FDCWD, root) != 0)
                {
                    throw new ChangeJournalUnavailableException($"fanotify cannot watch the filesystem of {_source} ({Errno(errno)})");
                }
            }
            _mountFd = LibC.Open(_source, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC, 0);
            if (_mountFd < 0)
            {
                throw new ChangeJournalUnavailableException($"cannot open {_source} ({Errno(Marshal.GetLastPInvokeError())})");
            }
            CheckHandlesOpen();
            LibC.Close(_mountFd);
            _mountFd = -1;
            _mountRoot = Volume.MountTable.System.MountOf(_source)?.MountPoint ?? _source;
        }
        catch
        {
            LibC.Close(_fd);
            throw;
        }
        _wake = LibC.EventFd(0, LibC.EFD_CLOEXEC);
        _reader = new Thread(Read, 256 * 1024) { IsBackground = true, Name = "change-journal" };
        _reader.Start();
    }

    /// <summary>
    /// Events name directories by handle: a filesystem that hands out handles it cannot open again (FUSE without
    /// export support, overlayfs without nfs_export) would leave every event unnamed and the journal silently empty.
    /// </summary>
    private void CheckHandlesOpen()
    {
        var handle = stackalloc byte[8 + 128];
        *(uint*)handle = 128;
        int mountId;
        if (LibC.NameToHandleAt(LibC.AT_FDCWD, _source, handle, &mountId, 0) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            LibC.Close(_mountFd);
            throw new ChangeJournalUnavailableException($"the filesystem of {_source} gives no file handles ({Errno(errno)})");
        }
        var fd = LibC.OpenByHandleAt(_mountFd, handle, LibC.O_PATH | LibC.O_CLOEXEC);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            LibC.Close(_mountFd);
            throw new ChangeJournalUnavailableException($"the filesystem of {_source} cannot open its own file handles ({Errno(errno)})");
        }
        LibC.Close(fd);
    }

    /// <summary>
    /// The filesystem mark is still there: it goes with the filesystem when the disk is unmounted (and a disk mounted again
    /// is a new one to the kernel), which the group would not otherwise say. Read from /proc/self/fdinfo of the group.
    /// </summary>
    public bool MarkAlive()
    {
        try
        {
            return File.ReadLines($"/proc/self/fdinfo/{_fd}").Any(l => l.StartsWith("fanotify sdev:", StringComparison.Ordinal));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Runs <paramref name="changes"/> while the reader waits (tests: events read after their directories are gone).</summary>
    internal void WhileNotReading(Action changes)
    {
        lock (_gate)
        {
            changes();
        }
    }

    /// <summary>The source watched.</summary>
    public string Source => _source;

    /// <summary>What changed since the last call (or the start), and resets. Events still in the kernel's queue are read first.</summary>
    public JournalChanges Take()
    {
        lock (_gate)
        {
            DrainAll();
            NameOtherLinks();
            var changes = new JournalChanges([.. _paths.Order(StringComparer.Ordinal)], _overflowed, _unresolved, _modified)
            {
                TooMany = _tooMany,
                Unnamed = _unnamed,
                AncestorChanged = _ancestorChanged,
            };
            _tooMany = false;
            _touched = new Dictionary<string, Touched>(StringComparer.Ordinal);
            _unnamed = null;
            _ancestorChanged = false;
            _paths = new HashSet<string>(StringComparer.Ordinal);
            _modified = new HashSet<string>(StringComparer.Ordinal);
            _overflowed = false;
            _unresolved = 0;
            return changes;
        }
    }

    /// <summary>
    /// Every name under the source of the hard-linked files that were written or changed: the change went through one
    /// name, perhaps deleted since (with the directory holding it), and every other name shows it. Found by the file's
    /// handle (the inode lives while it has a name) and btrfs's back references; a name the journal cannot give makes
    /// the backup a full scan.
    /// </summary>
    private void NameOtherLinks()
    {
        if (_touched.Count == 0)
        {
            return;
        }
        var mountFd = LibC.Open(_mountRoot, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC, 0);
        if (mountFd < 0)
        {
            _unnamed ??= $"cannot open {_mountRoot} ({Errno(Marshal.GetLastPInvokeError())})";
            return;
        }
        try
        {
            var source = LibC.LStatx(LibC.AT_FDCWD, _source, out _);
            bool? nested = null;
            var handle = stackalloc byte[8 + 128];
            foreach (var (key, (eventPath, written)) in _touched)
            {
                var bytes = Encoding.Latin1.GetBytes(key);
                if (bytes.Length - 8 > 8 + 128)
                {
                    continue;
                }
                bytes.AsSpan(8).CopyTo(new Span<byte>(handle, 8 + 128));
                var fd = LibC.OpenByHandleAt(mountFd, handle, LibC.O_PATH | LibC.O_CLOEXEC);
                if (fd < 0)
                {
                    if (Marshal.GetLastPInvokeError() is not (LibC.ESTALE or LibC.ENOENT))
                    {
                        _unnamed ??= $"a changed file could not be opened by its handle ({Errno(Marshal.GetLastPInvokeError())})";
                    }
                    continue; // gone: no name shows the change
                }
                try
                {
                    if (LibC.LStatx(fd, "", out _) is not { } info)
                    {
                        continue;
                    }
                    if (info.Nlink == 1 && eventPath is not null
                        && LibC.LStatx(LibC.AT_FDCWD, _source + "/" + eventPath, out _) is { } named
                        && named.Inode == info.Inode && named.DevMajor == info.DevMajor && named.DevMinor == info.DevMinor)
                    {
                        continue; // its one name is the event's own, listed already
                    }
                    if (info.Nlink == 0)
                    {
                        continue; // deleted, still open somewhere: no name shows it
                    }
                    // Back references are read in the file's own subvolume, through a directory in it: the source, the
                    // directory the event named (a subvolume nested in the source), else none. A file in another
                    // subvolume has no name under the source unless a subvolume is nested in it (a subvolume of another
                    // backup being deleted, say, whose directories were gone before its events were read).
                    string? inSubvolume = null;
                    if (source is { } s && s.DevMajor == info.DevMajor && s.DevMinor == info.DevMinor)
                    {
                        inSubvolume = _source;
                    }
                    else if (eventPath is not null && Path.GetDirectoryName(_source + "/" + eventPath) is { } eventDirectory
                             && LibC.LStatx(LibC.AT_FDCWD, eventDirectory, out _) is { } held && held.DevMajor == info.DevMajor && held.DevMinor == info.DevMinor)
                    {
                        inSubvolume = eventDirectory;
                    }
                    else if (source is not null && (nested ??= Journal.HardLinkNames.HasSubvolumesInside(_source)) == false)
                    {
                        continue;
                    }
                    if (inSubvolume is null || Journal.HardLinkNames.Of(inSubvolume, info.Inode) is not { } names)
                    {
                        _unnamed ??= "the names of a hard-linked file that changed could not be listed";
                        continue;
                    }
                    foreach (var name in names)
                    {
                        if (name.Length > _source.Length + 1 && name[_source.Length] == '/' && name.StartsWith(_source, StringComparison.Ordinal))
                        {
                            var relative = name[(_source.Length + 1)..];
                            _paths.Add(relative);
                            if (written)
                            {
                                _modified.Add(relative);
                            }
                        }
                    }
                }
                finally
                {
                    LibC.Close(fd);
                }
            }
        }
        finally
        {
            LibC.Close(mountFd);
        }
    }

    /// <summary>The reader: sleeps in poll(2) until events arrive or <see cref="Dispose"/> wakes it (no timer: an idle journal costs nothing).</summary>
    private void Read()
    {
        var polls = stackalloc LibC.PollFd[2];
        while (!_stop.IsCancellationRequested)
        {
            polls[0] = new LibC.PollFd { Fd = _fd, Events = LibC.POLLIN };
            polls[1] = new LibC.PollFd { Fd = _wake, Events = LibC.POLLIN };
            var ready = LibC.Poll(polls, 2, _wake >= 0 ? -1 : 500);
            // One read at a time under the lock, so a flood of events never keeps Take (a backup) or Dispose waiting long.
            while (ready > 0 && (polls[0].Returned & LibC.POLLIN) != 0 && !_stop.IsCancellationRequested)
            {
                lock (_gate)
                {
                    if (!DrainOnce())
                    {
                        break;
                    }
                }
            }
        }
    }

    /// <summary>Reads every queued event (the fd is non-blocking); under <see cref="_gate"/>.</summary>
    private void DrainAll()
    {
        while (DrainOnce())
        {
        }
    }

    /// <summary>One read(2) of queued events, named and recorded; false when there were none. Under <see cref="_gate"/>.</summary>
    private bool DrainOnce()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return false;
        }
        var buffer = stackalloc byte[64 * 1024];
        try
        {
            return DrainInto(buffer);
        }
        finally
        {
            if (_mountFd >= 0)
            {
                LibC.Close(_mountFd);
                _mountFd = -1;
            }
        }
    }

    private bool DrainInto(byte* buffer)
    {
        {
            var length = LibC.Read(_fd, buffer, 64 * 1024);
            if (length <= 0)
            {
                return false; // EAGAIN: nothing more now
            }
            for (var offset = 0; offset + 24 <= length;)
            {
                var eventLength = *(uint*)(buffer + offset);
                var metadataLength = *(ushort*)(buffer + offset + 6);
                var mask = *(ulong*)(buffer + offset + 8);
                if (eventLength < 24 || offset + eventLength > length)
                {
                    break;
                }
                if ((mask & LibC.FAN_Q_OVERFLOW) != 0)
                {
                    _overflowed = true;
                }
                if ((mask & LibC.FAN_ONDIR) != 0 && (mask & DirectoryMoves) != 0)
                {
                    // A directory moved or went: the names cached for handles may be stale from here on. (A stale name
                    // read before this event is covered: the move's own entries are listed, and rsync takes them whole.)
                    _directories.Clear();
                }
                var inside = false;
                string? eventPath = null;
                for (var info = offset + metadataLength; info + 4 <= offset + eventLength;)
                {
                    var type = buffer[info];
                    var infoLength = *(ushort*)(buffer + info + 2);
                    if (infoLength < 4)
                    {
                        break;
                    }
                    if (type is LibC.FAN_EVENT_INFO_TYPE_DFID_NAME or LibC.FAN_EVENT_INFO_TYPE_DFID)
                    {
                        inside |= Record(buffer + info, type == LibC.FAN_EVENT_INFO_TYPE_DFID_NAME, mask, out var relative);
                        eventPath = relative;
                    }
                    else if (type == LibC.FAN_EVENT_INFO_TYPE_FID && inside && (mask & LibC.FAN_ONDIR) == 0
                             && (mask & (LibC.FAN_MODIFY | LibC.FAN_ATTRIB | LibC.FAN_CLOSE_WRITE)) != 0)
                    {
                        // The file itself, by handle: a write or attribute change reaches every name of it, also names
                        // elsewhere in the source that the event does not mention, or that are all that is left of it
                        // once the event's own name is deleted (found at Take, while the inode lives).
                        var handleBytes = *(uint*)(buffer + info + 12);
                        var key = Encoding.Latin1.GetString(buffer + info + 4, 8 + 8 + (int)handleBytes);
                        var written = (mask & LibC.FAN_MODIFY) != 0;
                        if (_touched.TryGetValue(key, out var before))
                        {
                            _touched[key] = new Touched(before.Path == eventPath ? eventPath : null, before.Written | written);
                        }
                        else if (_touched.Count < MaxEntries)
                        {
                            _touched[key] = new Touched(eventPath, written);
                        }
                        else
                        {
                            _tooMany = true;
                        }
                    }
                    info += infoLength;
                }
                offset += (int)eventLength;
            }
            return true;
        }
    }

    /// <summary>One fid record: header (4), fsid (8), struct file_handle (8 + handle_bytes), then the name for DFID_NAME.</summary>
    /// <returns>True when the entry is under the source (<paramref name="relative"/> names it), or may have been (its directory is gone).</returns>
    private bool Record(byte* info, bool hasName, ulong mask, out string? relative)
    {
        relative = null;
        var contentWritten = (mask & (LibC.FAN_MODIFY | LibC.FAN_ONDIR)) == LibC.FAN_MODIFY;
        var handle = info + 12;
        var handleBytes = *(uint*)handle;
        var nameStart = handle + 8 + handleBytes;
        var name = hasName ? Marshal.PtrToStringUTF8((nint)nameStart) ?? string.Empty : string.Empty;
        // The cache key: fsid and the whole file handle, as they are (a directory's handle is stable while it exists).
        var key = Encoding.Latin1.GetString(info + 4, 8 + 8 + (int)handleBytes);
        if (!_directories.TryGetValue(key, out var directory))
        {
            directory = NameOf(handle);
            if (directory is not null)
            {
                if (_directories.Count >= CachedDirectories)
                {
                    _directories.Clear();
                }
                _directories[key] = directory;
            }
        }
        if (directory is null)
        {
            // Gone (or unnameable): it may have been under the source, so a file changed in it still counts as touched.
            _unresolved++;
            return true;
        }
        var path = name is "" or "." ? directory : directory + "/" + name;
        if (path == _source)
        {
            _paths.Add(".");
        }
        else if (_source.Length > path.Length && _source[path.Length] == '/' && _source.StartsWith(path, StringComparison.Ordinal)
                 && (mask & (LibC.FAN_CREATE | LibC.FAN_DELETE | LibC.FAN_MOVED_FROM | LibC.FAN_MOVED_TO)) != 0)
        {
            // A directory above the source made, renamed or deleted (and perhaps back): events meanwhile were named elsewhere.
            _ancestorChanged = true;
        }
        else if (path.Length > _source.Length && path[_source.Length] == '/' && path.StartsWith(_source, StringComparison.Ordinal))
        {
            relative = path[(_source.Length + 1)..];
            if (_tooMany || (_paths.Count >= MaxEntries && !_paths.Contains(relative)))
            {
                _tooMany = true;
                _paths.Clear();
                _modified.Clear();
                return false;
            }
            _paths.Add(relative);
            if (contentWritten)
            {
                _modified.Add(relative);
            }
            return true;
        }
        return false;
    }

    /// <summary>A file changed under the source: the name its event gave (null when unknown or more than one) and whether its content was written.</summary>
    private readonly record struct Touched(string? Path, bool Written);

    /// <summary>The directory's path now, or null when it is gone (or, recorded in <see cref="_unnamed"/>, cannot be named).</summary>
    private string? NameOf(byte* handle)
    {
        if (_mountFd < 0)
        {
            // The filesystem's mount point (any descriptor on the mount will do), not the source: a source renamed away
            // with a directory above it must not leave the events unnamed.
            _mountFd = LibC.Open(_mountRoot, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC, 0);
            if (_mountFd < 0)
            {
                _unnamed ??= $"cannot open {_mountRoot} ({Errno(Marshal.GetLastPInvokeError())})";
                return null;
            }
        }
        var fd = LibC.OpenByHandleAt(_mountFd, handle, LibC.O_PATH | LibC.O_CLOEXEC);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is not (LibC.ESTALE or LibC.ENOENT))
            {
                _unnamed ??= $"open_by_handle_at failed ({Errno(errno)})";
            }
            return null;
        }
        try
        {
            var target = stackalloc byte[4096];
            var length = LibC.ReadLink($"/proc/self/fd/{fd}", target, 4096);
            if (length <= 0)
            {
                return null;
            }
            var path = Encoding.UTF8.GetString(target, (int)length);
            // " (deleted)" is how the kernel marks an unlinked directory, and also the end of a name someone chose.
            return path.EndsWith(" (deleted)", StringComparison.Ordinal) && LibC.LStatx(fd, "", out _) is { Nlink: 0 } ? null : path;
        }
        finally
        {
            LibC.Close(fd);
        }
    }

    /// <summary>The path with every symlink resolved (the kernel's own name for it, as events are named): /proc/self/fd of an O_PATH open.</summary>
    public static string RealPath(string path)
    {
        var fd = LibC.Open(path, LibC.O_PATH | LibC.O_CLOEXEC, 0);
        if (fd < 0)
        {
            return path;
        }
        try
        {
            return NameOfDescriptor(fd) ?? path;
        }
        finally
        {
            LibC.Close(fd);
        }
    }

    /// <summary>The kernel's path of an open descriptor (/proc/self/fd), or null.</summary>
    public static string? NameOfDescriptor(int fd)
    {
        var target = stackalloc byte[4096];
        var length = LibC.ReadLink($"/proc/self/fd/{fd}", target, 4096);
        return length > 0 ? Encoding.UTF8.GetString(target, (int)length) : null;
    }

    private static string Errno(int errno) => errno switch
    {
        LibC.EPERM => "EPERM",
        LibC.EXDEV => "EXDEV: a subvolume with its own fsid",
        LibC.ENODEV => "ENODEV",
        LibC.EOPNOTSUPP => "EOPNOTSUPP: the filesystem does not report file handles",
        LibC.EINVAL => "EINVAL",
        _ => "errno " + errno,
    };

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _stop.Cancel();
        if (_wake >= 0)
        {
            var one = 1UL;
            LibC.Write(_wake, (byte*)&one, 8);
        }
        _reader.Join(TimeSpan.FromSeconds(2));
        lock (_gate)
        {
            LibC.Close(_fd);
            if (_wake >= 0)
            {
                LibC.Close(_wake);
            }
        }
        _stop.Dispose();
    }
}
