using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Retention;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Core.Engine;

public sealed partial class BackupEngine
{
    /// <summary>Deletes prune candidates; <paramref name="confirm"/> is asked per backup. Never the newest.</summary>
    public DeleteOutcome Prune(BackupConfig config, Func<BackupEntry, bool> confirm) => DeleteCandidates(config, decay: false, confirm);

    /// <summary>Deletes decay candidates (older than <c>decay</c>); never the newest.</summary>
    public DeleteOutcome Decay(BackupConfig config, Func<BackupEntry, bool> confirm) => DeleteCandidates(config, decay: true, confirm);

    private DeleteOutcome DeleteCandidates(BackupConfig config, bool decay, Func<BackupEntry, bool> confirm)
    {
        var volume = VolumeOf(config);
        volume.EnsureAvailable(config.Name);
        using var volumeLock = Lock(volume, config);
        return DeleteCandidatesLocked(config, volume, decay, confirm);
    }

    /// <summary>
    /// The dry run of prune or decay: what would be deleted and why. Reads the volume and nothing else: no lock is taken
    /// (taking one writes the lock file), nothing is created, deleted or touched.
    /// </summary>
    public DeleteOutcome PlanDeleteCandidates(BackupConfig config, bool decay)
    {
        var volume = VolumeOf(config);
        volume.EnsureAvailable(config.Name);
        var listing = volume.List();
        ReportSkipped(listing);
        var planned = Candidates(config, listing, decay)
            .Select(e => new PlannedDeletion(e.Name, decay ? RetentionReason.Decay(config.Retention) : RetentionReason.Prune(e, config.Retention)))
            .ToList();
        return new DeleteOutcome([], [], listing.Skipped) { WouldDelete = planned };
    }

    private List<BackupEntry> Candidates(BackupConfig config, VolumeListing listing, bool decay) =>
        Evaluate(config, listing).Where(e => !e.Last && (decay ? e.DecayCandidate : e.PruneCandidate)).ToList();

    private DeleteOutcome DeleteCandidatesLocked(BackupConfig config, BackupVolume volume, bool decay, Func<BackupEntry, bool> confirm)
    {
        var listing = volume.List();
        ReportSkipped(listing);
        var candidates = Candidates(config, listing, decay);
        var what = decay ? "decay" : "prune";
        if (candidates.Count == 0)
        {
            logger.LogDebug("{What}: nothing to delete in {Path}", what, volume.Path);
            return new DeleteOutcome([], [], listing.Skipped);
        }
        var outcome = DeleteSnapshots(volume, candidates.Select(c => (c.Name, (Func<bool>)(() => confirm(c)))));
        logger.LogInformation("{What}: deleted {Count} of {Candidates} candidates in {Path}", what, outcome.Deleted.Count, candidates.Count, volume.Path);
        return outcome with { Skipped = [.. outcome.Skipped, .. listing.Skipped] };
    }

    /// <summary>
    /// Deletes snapshots through one directory descriptor, one ioctl each (no process per snapshot). Each is checked
    /// to be a read-only subvolume right before deletion; anything else is skipped and reported.
    /// </summary>
    private DeleteOutcome DeleteSnapshots(BackupVolume volume, IEnumerable<(string Name, Func<bool> Confirm)> targets)
    {
        var deleted = new List<string>();
        var declined = new List<string>();
        var skipped = new List<string>();
        using var dir = BtrfsManager.OpenDirectory(volume.Path);
        foreach (var (name, confirm) in targets)
        {
            var kind = btrfs is BtrfsManager ? BtrfsManager.Inspect(dir.Fd, name) : btrfs.Inspect(volume.Path, name);
            if (kind != SubvolumeKind.ReadOnlySubvolume)
            {
                skipped.Add($"{name} ({BackupVolume.Describe(kind)})");
                logger.LogWarning("skipped {Name}: it is {Kind}", name, BackupVolume.Describe(kind));
                continue;
            }
            if (!confirm())
            {
                declined.Add(name);
                continue;
            }
            try
            {
                if (btrfs is BtrfsManager)
                {
                    BtrfsManager.DeleteSubvolume(dir.Fd, volume.Path, name);
                }
                else
                {
                    btrfs.DeleteSubvolume(volume.Path, name);
                }
                deleted.Add(name);
                logger.LogDebug("deleted {Name}", name);
            }
            catch (BtrfsException e)
            {
                logger.LogError("{Message}", e.Message);
                skipped.Add($"{name} ({e.Message})");
            }
        }
        return new DeleteOutcome(deleted, declined, skipped);
    }

    /// <summary>Deletes every backup, <c>.sync</c>, the lock file and the directory; other entries are left and reported.</summary>
    public DeleteOutcome Destroy(BackupConfig config, Func<IReadOnlyList<string>, bool> confirmAll)
    {
        var volume = VolumeOf(config);
        volume.EnsureAvailable(config.Name);
        DeleteOutcome outcome;
        using (var volumeLock = Lock(volume, config))
        {
            var listing = volume.List();
            ReportSkipped(listing);
            var names = listing.Snapshots.Select(s => s.Name).ToList();
            if (!confirmAll(names))
            {
                return new DeleteOutcome([], names, []);
            }
            outcome = DeleteSnapshots(volume, names.Select(n => (n, (Func<bool>)(() => true))));
            CleanLocked(volume);
            outcome = outcome with { Skipped = [.. outcome.Skipped, .. listing.Skipped] };
            File.Delete(Path.Combine(volume.Path, VolumeLock.FileName));
        }
        if (Directory.EnumerateFileSystemEntries(volume.Path).Any())
        {
            logger.LogWarning("left {Path} in place: it holds entries that are not backups", volume.Path);
        }
        else
        {
            Directory.Delete(volume.Path);
            logger.LogInformation("removed {Path}", volume.Path);
        }
        return outcome;
    }

    /// <summary>The dry run of destroy: every backup, <c>.sync</c> and the directory, each with why; reads only.</summary>
    public DeleteOutcome PlanDestroy(BackupConfig config)
    {
        var volume = VolumeOf(config);
        volume.EnsureAvailable(config.Name);
        var listing = volume.List();
        ReportSkipped(listing);
        var planned = listing.Snapshots.Select(s => new PlannedDeletion(s.Name, "destroy: every backup of " + config.Name)).ToList();
        if (PlanClean(config) is { } sync)
        {
            planned.Add(sync);
        }
        var others = Directory.EnumerateFileSystemEntries(volume.Path)
            .Select(Path.GetFileName)
            .Where(n => n is not (BackupVolume.SyncName or VolumeLock.FileName) && !listing.Snapshots.Any(s => s.Name == n))
            .ToList();
        planned.Add(others.Count == 0
            ? new PlannedDeletion(volume.Path, "destroy: the backups directory, empty once the backups are gone")
            : new PlannedDeletion(volume.Path, $"destroy would leave it in place: it holds {others.Count} entries that are not backups"));
        return new DeleteOutcome([], [], listing.Skipped) { WouldDelete = planned };
    }

    /// <summary>The dry run of clean: <c>.sync</c> and why, or null when there is none; refuses as clean would.</summary>
    public PlannedDeletion? PlanClean(BackupConfig config)
    {
        var volume = VolumeOf(config);
        volume.EnsureAvailable(config.Name);
        return volume.SyncKind switch
        {
            SubvolumeKind.Missing => null,
            SubvolumeKind.WritableSubvolume or SubvolumeKind.ReadOnlySubvolume => new PlannedDeletion(BackupVolume.SyncName,
                $"clean: {BackupVolume.Describe(volume.SyncKind)}, rsync's working copy; the next backup makes it again from the newest backup"),
            var kind => throw new OperationFailedException(
                $"{volume.SyncPath} is {BackupVolume.Describe(kind)}, not a subvolume; clean would leave it alone. Remove it by hand if it is not needed."),
        };
    }

    /// <summary>Deletes <c>.sync</c> (the next backup makes it again from the newest backup).</summary>
    public void Clean(BackupConfig config)
    {
        var volume = VolumeOf(config);
        volume.EnsureAvailable(config.Name);
        using var volumeLock = Lock(volume, config);
        CleanLocked(volume);
    }

    private void CleanLocked(BackupVolume volume)
    {
        var kind = volume.SyncKind;
        switch (kind)
        {
            case SubvolumeKind.Missing:
                logger.LogInformation("{Sync} does not exist; nothing to clean", volume.SyncPath);
                return;
            case SubvolumeKind.WritableSubvolume or SubvolumeKind.ReadOnlySubvolume:
                btrfs.DeleteSubvolume(volume.Path, BackupVolume.SyncName);
                logger.LogInformation("deleted {Sync}", volume.SyncPath);
                return;
            default:
                throw new OperationFailedException(
                    $"{volume.SyncPath} is {BackupVolume.Describe(kind)}, not a subvolume; it was left alone. Remove it by hand if it is not needed.");
        }
    }
}
