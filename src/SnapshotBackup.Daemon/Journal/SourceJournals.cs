using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Journal;
using SnapshotBackup.Daemon.Configuration;

namespace SnapshotBackup.Daemon.Journal;

/// <summary>
/// The change journals of the sections with a local source, kept from the daemon's start to its stop (one fanotify
/// group each): a backup of such a section rsyncs only what changed (<see cref="SourceJournal"/>). A reload that changes
/// a section's source or ignore patterns starts its journal again (its next backup scans everything); a remote source,
/// or a filesystem the kernel will not watch, keeps full scans, said once.
/// </summary>
internal sealed class SourceJournals(ILogger<SourceJournals> logger) : IDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    private sealed record Entry(string Source, IReadOnlyList<string> Ignore, SourceJournal? Journal);

    /// <summary>Brings the journals in line with <paramref name="config"/> (at start, and after a reload).</summary>
    public void Sync(DaemonConfig config, bool reload)
    {
        lock (_gate)
        {
            foreach (var name in _entries.Keys.Where(n => config.Find(n) is null).ToList())
            {
                _missingAtStart.Remove(name);
                _entries[name].Journal?.Dispose();
                _entries.Remove(name);
            }
            foreach (var (name, backup) in config.Set.Backups)
            {
                if (_entries.TryGetValue(name, out var entry) && entry.Source == backup.Source && entry.Ignore.SequenceEqual(backup.Ignore))
                {
                    continue;
                }
                entry?.Journal?.Dispose();
                _missingAtStart.Remove(name);
                _entries[name] = new Entry(backup.Source, backup.Ignore, Start(name, backup,
                    reload && entry is not null ? "a reload changed the source or its ignore patterns" : "the first backup since the daemon started"));
            }
        }
    }

    /// <summary>The section's journal, or null (full scans).</summary>
    public SourceJournal? For(BackupConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        lock (_gate)
        {
            if (!_entries.TryGetValue(config.Name, out var entry) || entry.Source != config.Source || !entry.Ignore.SequenceEqual(config.Ignore))
            {
                return null; // a run of a configuration that a reload has replaced since
            }
            if (entry.Journal is null && _missingAtStart.Contains(config.Name) && Directory.Exists(config.Source))
            {
                // The source was missing when the daemon started (a disk not mounted yet): try again now it is there.
                _missingAtStart.Remove(config.Name);
                _entries[config.Name] = entry = entry with { Journal = Start(config.Name, config, "the first backup since the journal started") };
            }
            return entry.Journal;
        }
    }

    private readonly HashSet<string> _missingAtStart = new(StringComparer.Ordinal);

    private SourceJournal? Start(string name, BackupConfig backup, string firstReason)
    {
        if (RemoteSource.TryParse(backup.Source, out _))
        {
            logger.LogInformation("backup {Backup}: a remote source; every backup scans it whole (rsync over ssh)", name);
            return null;
        }
        if (!Directory.Exists(backup.Source))
        {
            _missingAtStart.Add(name);
            return null;
        }
        try
        {
            return new SourceJournal(backup.Source, firstReason);
        }
        catch (ChangeJournalUnavailableException e)
        {
            logger.LogWarning("backup {Backup}: no change journal, every backup scans the whole source: {Reason}", name, e.Message);
            return null;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var entry in _entries.Values)
            {
                entry.Journal?.Dispose();
            }
            _entries.Clear();
        }
    }
}
