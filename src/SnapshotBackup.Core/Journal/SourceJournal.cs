using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Core.Journal;

/// <summary>How one backup reads its source: a full scan (rsync walks everything) or the journal's list, and why.</summary>
/// <param name="List">The journal's list; null for a full scan.</param>
/// <param name="Reason">Why a full scan (empty for a journal backup).</param>
/// <param name="OpenForWriting">The files open for writing under the source at the start (added again at the next backup).</param>
public sealed record ScanPlan(JournalList? List, string Reason, IReadOnlySet<string> OpenForWriting, DateTimeOffset Started)
{
    public bool Full => List is null;

    /// <summary>The log's words: <c>full scan (REASON)</c> or <c>journal: N entries (...)</c>.</summary>
    public string Describe() => List is { } list
        ? $"journal backup: {list.Paths.Count} entries to rsync ({list.Changed} changed, {list.OpenForWriting} open for writing, "
          + $"{list.HardLinkNames} other hard-link names, {list.Refreshed} rewritten with the same size and mtime)"
        : $"full scan: {Reason}";
}

/// <summary>
/// The change journal of one section's local source, kept by the daemon from start to stop, and what it knows of the
/// backups made from it: whether the next one may trust the journal (<see cref="Begin"/>) or must scan everything.
/// A full scan: the first backup (events were not seen before the journal started), after a failed or interrupted run,
/// after the kernel's queue overflowed, when <c>.sync</c> was made anew or another run made the newest backup, when a
/// filesystem is mounted inside the source, when the source directory itself changed, and every <c>full_scan_every</c>.
/// </summary>
public sealed class SourceJournal : IDisposable
{
    private readonly string _configuredSource;
    private readonly IMountTableBelow _mounts;
    private ChangeJournal? _journal;
    private (uint, uint, ulong) _device;
    private string? _unavailable;
    private bool _disposed;
    private readonly object _gate = new();
    private string? _fullScanReason;
    private string? _lastSnapshot;
    private DateTimeOffset? _lastFullScan;
    private IReadOnlySet<string> _openAtLastBackup = new HashSet<string>();

    /// <summary>Starts the journal of <paramref name="source"/>; the first backup scans everything for <paramref name="firstReason"/>.</summary>
    /// <exception cref="ChangeJournalUnavailableException">The kernel will not watch the source's filesystem.</exception>
    public SourceJournal(string source, string firstReason, IMountTableBelow? mounts = null)
    {
        _configuredSource = source;
        _mounts = mounts ?? new SystemMounts();
        _fullScanReason = firstReason;
        _journal = new ChangeJournal(source);
        _device = DeviceOf(source);
    }

    /// <summary>The source as the kernel names it (symlinks resolved).</summary>
    public string Source => _journal?.Source ?? _configuredSource;

    /// <summary>The source's device and mount id: another when a disk was mounted on it, unmounted from it, or mounted again.</summary>
    private static (uint, uint, ulong) DeviceOf(string path) =>
        Internal.LibC.LStatx(Internal.LibC.AT_FDCWD, path, out _) is { } info ? (info.DevMajor, info.DevMinor, Internal.LibC.MountId(path)) : (0, 0, 0);

    /// <summary>
    /// The source's filesystem is another than when the journal started (a disk mounted on it, or unmounted from it): the
    /// journal watched the wrong one. It starts again on the filesystem there now, and this backup scans everything.
    /// </summary>
    private string? Restarted()
    {
        if (_journal is not null && DeviceOf(_configuredSource) == _device)
        {
            return null;
        }
        _journal?.Dispose();
        _journal = null;
        try
        {
            _journal = new ChangeJournal(_configuredSource);
            _device = DeviceOf(_configuredSource);
            _unavailable = null;
            return "the source's filesystem changed (mounted, unmounted or mounted again) since the journal started";
        }
        catch (ChangeJournalUnavailableException e)
        {
            _unavailable = e.Message;
            return "no change journal: " + e.Message;
        }
    }
    /// <summary>
    /// Decides how the backup about to run reads the source, taking the journal's changes (events from now on belong to
    /// the next backup). Call under the volume lock, after <c>before_backup</c> and after <c>.sync</c> is in place. Until
    /// <see cref="Completed"/> is called, the next backup is a full scan (this one failed or was interrupted).
    /// </summary>
    /// <param name="sync">The .sync the backup writes into.</param>
    /// <param name="newest">The newest backup on the volume now.</param>
    /// <param name="syncMadeNow">.sync was created by this run (it holds the newest backup, not the state the journal continues from).</param>
    /// <param name="fullScanEvery">The safety schedule: a full scan when the last one is at least this old.</param>
    public ScanPlan Begin(string sync, string? newest, bool syncMadeNow, DateTimeOffset now, TimeSpan fullScanEvery)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                // A reload replaced this journal while the backup waited: its events stopped at the reload.
                return new ScanPlan(null, "the journal was stopped by a reload", new HashSet<string>(), now);
            }
            var restarted = Restarted();
            var changes = _journal?.Take();
            var open = OpenForWriting.Under(Source);
            var reason = restarted ?? (changes is null ? "no change journal: " + _unavailable : FullScanReason(changes, newest, syncMadeNow, now, fullScanEvery));
            var list = null as JournalList;
            if (reason is null)
            {
                var include = new HashSet<string>(open, StringComparer.Ordinal);
                include.UnionWith(_openAtLastBackup);
                list = JournalList.Build(Source, sync, changes!, include, out reason);
            }
            _fullScanReason = "the previous backup failed or was interrupted";
            return new ScanPlan(list, reason ?? string.Empty, open, now);
        }
    }

    /// <summary>The backup of <paramref name="plan"/> made snapshot <paramref name="snapshot"/>: the next may trust the journal.</summary>
    public void Completed(ScanPlan plan, string snapshot)
    {
        ArgumentNullException.ThrowIfNull(plan);
        lock (_gate)
        {
            _fullScanReason = null;
            _lastSnapshot = snapshot;
            _openAtLastBackup = plan.OpenForWriting;
            if (plan.Full)
            {
                _lastFullScan = plan.Started;
            }
        }
    }

    private string? FullScanReason(JournalChanges changes, string? newest, bool syncMadeNow, DateTimeOffset now, TimeSpan fullScanEvery)
    {
        if (_fullScanReason is { } forced)
        {
            return forced;
        }
        if (changes.Overflowed)
        {
            return "the kernel's event queue overflowed (events were lost)";
        }
        if (changes.TooMany)
        {
            return $"more than {ChangeJournal.MaxEntries:N0} entries changed since the last backup";
        }
        if (syncMadeNow)
        {
            return ".sync was made anew from the newest backup";
        }
        if (newest != _lastSnapshot)
        {
            return $"the newest backup is {newest ?? "none"}, not {_lastSnapshot}, the last one the journal continued (another run, or another disk)";
        }
        if (_lastFullScan is { } last && now - last >= fullScanEvery)
        {
            return $"the safety scan (full_scan_every = {Time.AgeFormatter.Format(fullScanEvery)}; the last full scan was at {last:yyyy-MM-dd HH:mm})";
        }
        if (_mounts.MountsBelow(Source) is [var mount, ..])
        {
            return $"{mount} is mounted inside the source (its changes are not in the journal)";
        }
        return null;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _journal?.Dispose();
        }
    }

    private sealed class SystemMounts : IMountTableBelow
    {
        public IReadOnlyList<string> MountsBelow(string path) => MountTable.System.MountsBelow(path);
    }
}

/// <summary>The mount points below a path (<see cref="MountTable.MountsBelow"/>); a seam for tests.</summary>
public interface IMountTableBelow
{
    IReadOnlyList<string> MountsBelow(string path);
}
