using SnapshotBackup.Core.Copies;
using SnapshotBackup.Core.Internal;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Core.Journal;

/// <summary>How one backup reads its source: a full scan (rsync walks everything) or the journal's list, and why.</summary>
/// <param name="List">The journal's list; null for a full scan.</param>
/// <param name="Reason">Why a full scan (empty for a journal backup).</param>
/// <param name="OpenForWriting">The files open for writing under the source at the start (added again at the next backup).</param>
public sealed record ScanPlan(JournalList? List, string Reason, OpenFiles OpenForWriting, DateTimeOffset Started)
{
    public bool Full => List is null;

    /// <summary>The mount points below the source when the backup started (null: the mount table could not be read).</summary>
    public IReadOnlyList<string>? MountsBelow { get; init; }

    /// <summary>The log's words: <c>full scan: REASON</c> or <c>journal backup: N entries (...)</c>.</summary>
    public string Describe() => List is { } list
        ? $"journal backup: {list.Paths.Count} entries to rsync ({list.Changed} changed, {list.OpenForWriting} open for writing, "
          + $"{list.HardLinkNames} other hard-link names, {list.Refreshed} rewritten with the same size and mtime)"
        : $"full scan: {Reason}";
}

/// <summary>
/// The change journal of one section's local source, kept by the daemon from start to stop, and what it knows of the
/// backups made from it: whether the next one may trust the journal (<see cref="Begin"/>) or must scan everything.
/// A full scan: the first backup (events were not seen before the journal started), after a failed or interrupted run,
/// after lost or unnamed events, when <c>.sync</c> was made anew or written by anything else since, when another run made
/// the newest backup, when the source's filesystem or path changed (a disk mounted, unmounted or mounted again, a symlink
/// retargeted, a directory above it renamed), while a filesystem is mounted inside the source (and once after), when the
/// source directory itself changed, and every <c>full_scan_every</c>.
/// </summary>
public sealed class SourceJournal : IDisposable
{
    private readonly string _configuredSource;
    private readonly IMountTableBelow _mounts;
    private readonly object _gate = new();
    private ChangeJournal? _journal;
    private SourceIdentity _identity;
    private string? _unavailable;
    private bool _disposed;
    private string? _fullScanReason;
    private string? _lastSnapshot;
    private DateTimeOffset? _lastFullScan;
    private OpenFiles _openAtLastBackup = OpenFiles.None;
    private IReadOnlyList<string>? _mountsAtLastBackup;
    private SubvolumeIdentity? _syncAtLastBackup;

    /// <summary>Starts the journal of <paramref name="source"/>; the first backup scans everything for <paramref name="firstReason"/>.</summary>
    /// <exception cref="ChangeJournalUnavailableException">The kernel will not watch the source's filesystem.</exception>
    public SourceJournal(string source, string firstReason, IMountTableBelow? mounts = null)
    {
        _configuredSource = source;
        _mounts = mounts ?? new SystemMounts();
        _fullScanReason = firstReason;
        _journal = new ChangeJournal(source);
        _identity = SourceIdentity.Of(source);
    }

    /// <summary>The source as the kernel names it (symlinks resolved).</summary>
    public string Source => _journal?.Source ?? _configuredSource;

    /// <summary>
    /// Decides how the backup about to run reads the source, taking the journal's changes (events from now on belong to
    /// the next backup). Call under the volume lock, after <c>before_backup</c> and after <c>.sync</c> is in place. Until
    /// <see cref="Completed"/> is called, the next backup is a full scan (this one failed or was interrupted).
    /// </summary>
    /// <param name="sync">The .sync the backup writes into.</param>
    /// <param name="newest">The newest backup on the volume now.</param>
    /// <param name="syncMadeNow">.sync was created by this run (it holds the newest backup, not the state the journal continues from).</param>
    /// <param name="fullScanEvery">The safety schedule: a full scan when the last one is at least this old.</param>
    /// <param name="ignore">The section's <c>ignore</c> patterns.</param>
    /// <param name="syncIdentity">.sync's subvolume identity now (uuid, generation): anything that wrote it since the last backup shows.</param>
    public ScanPlan Begin(string sync, string? newest, bool syncMadeNow, DateTimeOffset now, TimeSpan fullScanEvery,
        IReadOnlyList<string> ignore, SubvolumeIdentity? syncIdentity)
    {
        ArgumentNullException.ThrowIfNull(ignore);
        lock (_gate)
        {
            if (_disposed)
            {
                // A reload replaced this journal while the backup waited: its events stopped at the reload.
                return new ScanPlan(null, "the journal was stopped by a reload", OpenFiles.None, now);
            }
            // Before anything is taken: whatever goes wrong from here, the next backup scans everything.
            var forced = _fullScanReason;
            _fullScanReason = "the previous backup failed or was interrupted";
            var restarted = Restarted();
            var changes = _journal?.Take();
            var open = OpenForWriting.Under(Source);
            var mounts = _mounts.MountsBelow(Source);
            var reason = restarted ?? forced ?? (changes is null
                ? "no change journal: " + _unavailable
                : FullScanReason(changes, newest, syncMadeNow, now, fullScanEvery, mounts, syncIdentity));
            var list = null as JournalList;
            if (reason is null)
            {
                var include = new HashSet<string>(open.Open, StringComparer.Ordinal);
                include.UnionWith(_openAtLastBackup.Open);
                var refresh = new HashSet<string>(open.Mapped, StringComparer.Ordinal);
                refresh.UnionWith(_openAtLastBackup.Mapped);
                list = JournalList.Build(Source, sync, changes!, include, ignore, refresh, out reason);
            }
            return new ScanPlan(list, reason ?? string.Empty, open, now) { MountsBelow = mounts };
        }
    }

    /// <summary>
    /// The backup of <paramref name="plan"/> made snapshot <paramref name="snapshot"/>, leaving .sync as
    /// <paramref name="syncIdentity"/> says: the next backup may trust the journal.
    /// </summary>
    public void Completed(ScanPlan plan, string snapshot, SubvolumeIdentity? syncIdentity)
    {
        ArgumentNullException.ThrowIfNull(plan);
        lock (_gate)
        {
            _fullScanReason = null;
            _lastSnapshot = snapshot;
            _openAtLastBackup = plan.OpenForWriting;
            _mountsAtLastBackup = plan.MountsBelow;
            _syncAtLastBackup = syncIdentity;
            if (plan.Full)
            {
                _lastFullScan = plan.Started;
            }
        }
    }

    private string? FullScanReason(JournalChanges changes, string? newest, bool syncMadeNow, DateTimeOffset now, TimeSpan fullScanEvery,
        IReadOnlyList<string>? mounts, SubvolumeIdentity? syncIdentity)
    {
        if (changes.Overflowed)
        {
            return "the kernel's event queue overflowed (events were lost)";
        }
        if (changes.TooMany)
        {
            return $"more than {ChangeJournal.MaxEntries:N0} entries changed since the last backup";
        }
        if (changes.Unnamed is { } unnamed)
        {
            return "some events could not be named: " + unnamed;
        }
        if (changes.AncestorChanged)
        {
            return "a directory above the source was made, renamed or deleted";
        }
        if (syncMadeNow)
        {
            return ".sync was made anew from the newest backup";
        }
        if (newest != _lastSnapshot)
        {
            return $"the newest backup is {newest ?? "none"}, not {_lastSnapshot}, the last one the journal continued (another run, or another disk)";
        }
        if (_syncAtLastBackup is not { } last || syncIdentity is not { } current || current.Uuid != last.Uuid || current.Generation != last.Generation)
        {
            return ".sync was written since the last backup (another run that made no snapshot, or another disk)";
        }
        if (_lastFullScan is { } lastFull && now - lastFull >= fullScanEvery)
        {
            return $"the safety scan (full_scan_every = {Time.AgeFormatter.Format(fullScanEvery)}; the last full scan was at {lastFull:yyyy-MM-dd HH:mm})";
        }
        if (mounts is null)
        {
            return "the mount table could not be read (is anything mounted inside the source?)";
        }
        if (mounts is [var mount, ..])
        {
            return $"{mount} is mounted inside the source (its changes are not in the journal)";
        }
        if (_mountsAtLastBackup is not { Count: 0 })
        {
            return "a filesystem mounted inside the source at the last backup is gone (what was below it shows again)";
        }
        return null;
    }

    /// <summary>
    /// The source is not what the journal watches any more: another filesystem there (a disk mounted on it, unmounted from
    /// it, or mounted again: the kernel drops the mark with the old one), another directory (a symlink retargeted). The
    /// journal starts again there, and this backup scans everything.
    /// </summary>
    private string? Restarted()
    {
        var now = SourceIdentity.Of(_configuredSource);
        if (_journal is not null && now == _identity && _journal.MarkAlive())
        {
            return null;
        }
        _journal?.Dispose();
        _journal = null;
        try
        {
            _journal = new ChangeJournal(_configuredSource);
            _identity = SourceIdentity.Of(_configuredSource);
            _unavailable = null;
            return "the source changed under the journal (a disk mounted, unmounted or mounted again, or a symlink retargeted)";
        }
        catch (ChangeJournalUnavailableException e)
        {
            _unavailable = e.Message;
            return "no change journal: " + e.Message;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _journal?.Dispose();
        }
    }

    /// <summary>Where the configured source leads: its real path, device, inode and mount id.</summary>
    private readonly record struct SourceIdentity(string RealPath, uint DevMajor, uint DevMinor, ulong Inode, ulong MountId)
    {
        public static SourceIdentity Of(string source)
        {
            var real = ChangeJournal.RealPath(source);
            return LibC.LStatx(LibC.AT_FDCWD, real, out _) is { } info
                ? new SourceIdentity(real, info.DevMajor, info.DevMinor, info.Inode, LibC.MountId(real))
                : new SourceIdentity(real, 0, 0, 0, 0);
        }
    }

    private sealed class SystemMounts : IMountTableBelow
    {
        public IReadOnlyList<string>? MountsBelow(string path) => MountTable.System.MountsBelow(path);
    }
}

/// <summary>The mount points below a path (<see cref="MountTable.MountsBelow"/>); null when the table cannot be read. A seam for tests.</summary>
public interface IMountTableBelow
{
    IReadOnlyList<string>? MountsBelow(string path);
}
