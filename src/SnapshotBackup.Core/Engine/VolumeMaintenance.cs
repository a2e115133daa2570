using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Retention;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Core.Engine;

/// <summary>The backups directory itself: setup, list, destroy and clean, with the dry runs of destroy and clean.</summary>
public sealed class VolumeMaintenance(EngineEnvironment environment, ILogger logger)
{
    private readonly SnapshotDeleter _deleter = new(environment.Btrfs, logger);

    /// <summary>Creates the backups directory (mkdir -p), refusing when it would not be on btrfs; a dry run only says so.</summary>
    public void Setup(BackupConfig config, bool dryRun = false)
    {
        if (environment.MountTable.UnmountedMountPoint(config.Backups) is { } mountPoint)
        {
            throw new OperationFailedException(
                $"{config.Backups} is on {mountPoint}, which /etc/fstab mounts but is not mounted now; mount it first. Nothing was created.");
        }
        var existing = config.Backups;
        while (!environment.FileSystem.DirectoryExists(existing))
        {
            existing = Path.GetDirectoryName(existing) ?? "/";
        }
        if (!environment.Btrfs.IsBtrfs(existing))
        {
            throw new OperationFailedException(
                $"{config.Backups} would not be on a btrfs filesystem ({existing} is not); mount a btrfs volume there first. Nothing was created.");
        }
        if (existing == config.Backups)
        {
            logger.LogInformation("backups directory {Path} already exists", config.Backups);
            return;
        }
        if (dryRun)
        {
            logger.LogInformation("dry run: would create backups directory {Path} (on btrfs at {Existing})", config.Backups, existing);
            return;
        }
        environment.FileSystem.CreateDirectory(config.Backups);
        logger.LogInformation("created backups directory {Path}", config.Backups);
    }

    /// <summary>Every backup with the retention policy's verdict, oldest first.</summary>
    public IReadOnlyList<BackupEntry> List(BackupConfig config)
    {
        var listing = environment.AvailableVolumeOf(config).List();
        ListingReport.ReportSkipped(logger, listing);
        return ListingReport.Evaluate(config, listing, environment.Time);
    }

    /// <summary>
    /// Deletes every backup, <c>.sync</c>, the lock file and the directory; other entries are left and reported. When a
    /// backup cannot be deleted, <c>.sync</c> and the directory stay (see <see cref="DeleteOutcome.Failure"/>).
    /// </summary>
    public DeleteOutcome Destroy(BackupConfig config, Func<IReadOnlyList<string>, bool> confirmAll)
    {
        var volume = environment.AvailableVolumeOf(config);
        DeleteOutcome outcome;
        using (var volumeLock = environment.Lock(volume, config))
        {
            var listing = volume.List();
            ListingReport.ReportSkipped(logger, listing);
            var names = listing.Snapshots.Select(s => s.Name).ToList();
            if (!confirmAll(names))
            {
                return new DeleteOutcome([], names, []);
            }
            outcome = _deleter.DeleteSnapshots(volume, names.Select(n => (n, (Func<bool>)(() => true))));
            outcome = outcome with { Skipped = [.. outcome.Skipped, .. listing.Skipped] };
            if (outcome.Failure is not null)
            {
                return outcome; // .sync, the lock file and the directory stay: the volume is still whole for the next try
            }
            CleanLocked(volume);
            environment.FileSystem.DeleteFile(Path.Combine(volume.Path, Copies.CopyRecords.FileName));
            environment.FileSystem.DeleteFile(Path.Combine(volume.Path, PinRecords.FileName));
            environment.FileSystem.DeleteFile(Path.Combine(volume.Path, VolumeLock.FileName));
        }
        RemoveIfEmpty(volume);
        return outcome;
    }

    private void RemoveIfEmpty(BackupVolume volume)
    {
        if (environment.FileSystem.EntryNames(volume.Path).Any())
        {
            logger.LogWarning("left {Path} in place: it holds entries that are not backups", volume.Path);
        }
        else
        {
            environment.FileSystem.DeleteDirectory(volume.Path);
            logger.LogInformation("removed {Path}", volume.Path);
        }
    }

    /// <summary>The dry run of destroy: every backup, <c>.sync</c> and the directory, each with why; reads only.</summary>
    public DeleteOutcome PlanDestroy(BackupConfig config)
    {
        var volume = environment.AvailableVolumeOf(config);
        var listing = volume.List();
        ListingReport.ReportSkipped(logger, listing);
        var planned = listing.Snapshots.Select(s => new PlannedDeletion(s.Name, "destroy: every backup of " + config.Name)).ToList();
        if (PlanClean(config) is { } sync)
        {
            planned.Add(sync);
        }
        var others = environment.FileSystem.EntryNames(volume.Path)
            .Where(n => n is not (BackupVolume.SyncName or VolumeLock.FileName or PinRecords.FileName) && !listing.Snapshots.Any(s => s.Name == n))
            .ToList();
        planned.Add(others.Count == 0
            ? new PlannedDeletion(volume.Path, "destroy: the backups directory, empty once the backups are gone")
            : new PlannedDeletion(volume.Path, $"destroy would leave it in place: it holds {others.Count} entries that are not backups"));
        return new DeleteOutcome([], [], listing.Skipped) { WouldDelete = planned };
    }

    /// <summary>The dry run of clean: <c>.sync</c> and why, or null when there is none; refuses as clean would.</summary>
    public PlannedDeletion? PlanClean(BackupConfig config)
    {
        var volume = environment.AvailableVolumeOf(config);
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
        var volume = environment.AvailableVolumeOf(config);
        using var volumeLock = environment.Lock(volume, config);
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
                environment.Btrfs.DeleteSubvolume(volume.Path, BackupVolume.SyncName);
                logger.LogInformation("deleted {Sync}", volume.SyncPath);
                return;
            default:
                throw new OperationFailedException(
                    $"{volume.SyncPath} is {BackupVolume.Describe(kind)}, not a subvolume; it was left alone. Remove it by hand if it is not needed.");
        }
    }
}
