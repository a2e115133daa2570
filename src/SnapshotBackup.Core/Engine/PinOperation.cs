using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Retention;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Core.Engine;

/// <summary>What <c>pin</c> or <c>unpin</c> did, or for a dry run would do, in words for people.</summary>
public sealed record PinOutcome(string Snapshot, string Message);

/// <summary>
/// <c>pin</c> and <c>unpin</c>: change the volume's <see cref="PinRecords"/> under the volume lock. A dry run reads only
/// (no lock is taken: taking one writes the lock file). Pins of snapshots no longer on the volume (deleted by hand) are
/// dropped quietly whenever the file is written.
/// </summary>
public sealed class PinOperation(EngineEnvironment environment, ILogger logger)
{
    /// <summary>Pins <paramref name="snapshot"/> (an existing snapshot's full name); pinning again replaces the note.</summary>
    public PinOutcome Pin(BackupConfig config, string snapshot, string? note, bool dryRun)
    {
        ArgumentNullException.ThrowIfNull(config);
        var volume = environment.AvailableVolumeOf(config);
        using var volumeLock = dryRun ? null : environment.Lock(volume, config);
        var existing = Existing(volume, config, snapshot);
        var records = new PinRecords(volume.Path);
        var pins = records.Read();
        var noteText = note is null ? "no note" : $"note: {note}";
        var message = pins.TryGetValue(snapshot, out var old)
            ? $"{snapshot} was pinned already ({(old.Note is null ? "no note" : $"note: {old.Note}")}); now {noteText}"
            : $"pinned {snapshot} ({noteText}): prune, decay and min_free keep it";
        if (dryRun)
        {
            return new PinOutcome(snapshot, "dry run: would have " + (old is null ? $"pinned {snapshot} ({noteText})" : $"kept the pin of {snapshot}, with {noteText}"));
        }
        var updated = Current(pins, existing);
        updated[snapshot] = new Pin(note, old?.Pinned ?? environment.Time.GetUtcNow()); // pinned again: the note changes, not since when
        records.Write(updated);
        logger.LogDebug("{Backup}: {Message}", config.Name, message);
        return new PinOutcome(snapshot, message);
    }

    /// <summary>Removes the pin of <paramref name="snapshot"/>; throws <see cref="UsageException"/> when it has none.</summary>
    public PinOutcome Unpin(BackupConfig config, string snapshot, bool dryRun)
    {
        ArgumentNullException.ThrowIfNull(config);
        var volume = environment.AvailableVolumeOf(config);
        using var volumeLock = dryRun ? null : environment.Lock(volume, config);
        var records = new PinRecords(volume.Path);
        var pins = records.Read();
        if (!pins.ContainsKey(snapshot))
        {
            throw new UsageException($"{snapshot} is not pinned in {volume.Path}; nothing was changed. 'snapshotbackup list {config.Name}' shows the pins.");
        }
        if (dryRun)
        {
            return new PinOutcome(snapshot, $"dry run: would have unpinned {snapshot}");
        }
        var existing = volume.List().Snapshots.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        var updated = Current(pins, existing);
        updated.Remove(snapshot);
        records.Write(updated);
        var message = $"unpinned {snapshot}: prune and decay may delete it again";
        logger.LogDebug("{Backup}: {Message}", config.Name, message);
        return new PinOutcome(snapshot, message);
    }

    /// <summary>The names of the volume's snapshots; throws <see cref="UsageException"/> when <paramref name="snapshot"/> is not one of them.</summary>
    private HashSet<string> Existing(BackupVolume volume, BackupConfig config, string snapshot)
    {
        var listing = volume.List();
        ListingReport.ReportSkipped(logger, listing);
        var names = listing.Snapshots.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        if (!names.Contains(snapshot))
        {
            throw new UsageException(SnapshotName.TryParse(snapshot, out _)
                ? $"{snapshot} is not a snapshot in {volume.Path}; nothing was pinned. 'snapshotbackup list {config.Name}' shows the snapshots."
                : $"'{snapshot}' is not a snapshot's name (a time such as 2026-11-30T18:00:00+01:00); nothing was pinned. 'snapshotbackup list {config.Name}' shows the snapshots.");
        }
        return names;
    }

    /// <summary>The pins less those of snapshots that are gone (deleted by hand): dropped quietly.</summary>
    private Dictionary<string, Pin> Current(IReadOnlyDictionary<string, Pin> pins, HashSet<string> existing)
    {
        var current = new Dictionary<string, Pin>(StringComparer.Ordinal);
        foreach (var (name, pin) in pins)
        {
            if (existing.Contains(name))
            {
                current[name] = pin;
            }
            else
            {
                logger.LogDebug("dropping the pin of {Snapshot}: it is no longer on the volume", name);
            }
        }
        return current;
    }
}
