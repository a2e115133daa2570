using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Retention;
using SnapshotBackup.Core.Rsync;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Core.Engine;

/// <summary>
/// The operations of the seed's tool on one configured backup: setup, backup, list, prune, decay, destroy, clean.
/// Policy (retention) is pure; this class does the I/O around it under the volume lock.
/// </summary>
public sealed partial class BackupEngine(
    IBtrfsManager btrfs,
    RsyncRunner rsync,
    SourceProbe sourceProbe,
    TimeProvider time,
    ILogger logger)
{
    public BackupVolume VolumeOf(BackupConfig config) => new(config.Backups, btrfs);

    /// <summary>Creates the backups directory (mkdir -p), refusing when it would not be on btrfs; a dry run only says so.</summary>
    public void Setup(BackupConfig config, bool dryRun = false)
    {
        if (MountTable.UnmountedMountPoint(config.Backups) is { } mountPoint)
        {
            throw new OperationFailedException(
                $"{config.Backups} is on {mountPoint}, which /etc/fstab mounts but is not mounted now; mount it first. Nothing was created.");
        }
        var existing = config.Backups;
        while (!Directory.Exists(existing))
        {
            existing = Path.GetDirectoryName(existing) ?? "/";
        }
        if (!btrfs.IsBtrfs(existing))
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
        Directory.CreateDirectory(config.Backups);
        logger.LogInformation("created backups directory {Path}", config.Backups);
    }

    /// <summary>Every backup with the retention policy's verdict, oldest first.</summary>
    public IReadOnlyList<BackupEntry> List(BackupConfig config)
    {
        var volume = VolumeOf(config);
        volume.EnsureAvailable(config.Name);
        var listing = volume.List();
        ReportSkipped(listing);
        return Evaluate(config, listing);
    }

    private IReadOnlyList<BackupEntry> Evaluate(BackupConfig config, VolumeListing listing) =>
        RetentionPolicy.Evaluate(listing.Snapshots.Select(s => (s.Name, s.Time)), config.Retention, time.GetLocalNow());

    private void ReportSkipped(VolumeListing listing)
    {
        foreach (var entry in listing.Skipped)
        {
            logger.LogWarning("skipped {Entry}: it has a backup's name but is not a read-only snapshot, so it is left alone", entry);
        }
    }

    private static VolumeLock Lock(BackupVolume volume, BackupConfig config) => VolumeLock.Acquire(volume.Path, config.Name);
}
