using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Internal;
using SnapshotBackup.Core.Rsync;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Core.Engine;

public sealed partial class BackupEngine
{
    /// <summary>
    /// One backup: check source and volume, take the lock, make <c>.sync</c> if missing, rsync into it, and only after a
    /// complete rsync take the read-only snapshot named by the finish time. The result holds the lock until disposed
    /// (autodecay and autoprune run under it, see <see cref="Runs.BackupRunService"/>).
    /// A failure makes no snapshot, keeps <c>.sync</c> so the next run continues incrementally, and releases the lock.
    /// </summary>
    public async Task<BackupStepResult> BackupAsync(BackupConfig config, BackupRequest request, CancellationToken cancellationToken)
    {
        var source = request.SourceOverride ?? config.Source;
        var volume = VolumeOf(config);
        volume.EnsureAvailable(config.Name);
        await sourceProbe.CheckAsync(source, cancellationToken).ConfigureAwait(false);

        // A dry run writes nothing, not even the lock file's pid, so it takes no lock.
        var volumeLock = request.DryRun ? null
            : request.LockWait is { } wait
            ? await VolumeLock.AcquireAsync(volume.Path, config.Name, wait,
                e => logger.LogInformation("{Message}; waiting up to {Wait} for it to finish", e.Message, wait), cancellationToken).ConfigureAwait(false)
            : Lock(volume, config);
        try
        {
            return await BackupLockedAsync(config, request, source, volume, volumeLock, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            volumeLock?.Dispose();
            throw;
        }
    }

    private async Task<BackupStepResult> BackupLockedAsync(
        BackupConfig config, BackupRequest request, string source, BackupVolume volume, VolumeLock? volumeLock, CancellationToken cancellationToken)
    {
        if (File.Exists(Path.Combine(volume.Path, BackupVolume.LegacyLockName)))
        {
            logger.LogInformation("ignoring {File} left by the Python snapshotbackup: this tool locks with flock on {Lock}",
                BackupVolume.LegacyLockName, VolumeLock.FileName);
        }

        var listing = volume.List();
        ReportSkipped(listing);
        CheckNotEmptySource(config, source, listing, volume);
        if (!request.DryRun)
        {
            EnsureSync(volume, listing);
        }

        // The source directory as it was when rsync started: a source renamed away, unmounted or replaced while rsync
        // ran is not what the snapshot would claim to be a backup of.
        // A dry run compares with .sync, or, when there is none yet, with the newest backup (what .sync would start from).
        var destination = request.DryRun && volume.SyncKind == SubvolumeKind.Missing && listing.Newest is { } newestBackup
            ? Path.Combine(volume.Path, newestBackup.Name)
            : volume.SyncPath;

        var sourceIdentity = RemoteSource.TryParse(source, out _) ? null : LibC.Stat(source, out _);
        if (request.DryRun)
        {
            logger.LogInformation("dry run: comparing {Source} with {Destination}", source, destination);
        }
        else
        {
            logger.LogInformation("backing up {Source} into {Sync}", source, destination);
        }
        RsyncResult result;
        try
        {
            result = await rsync.RunAsync(
                new RsyncOptions(source, destination)
                {
                    Ignore = config.Ignore,
                    Checksum = request.Checksum,
                    DryRun = request.DryRun,
                    Progress = request.Progress,
                },
                cancellationToken,
                request.OnProgress).ConfigureAwait(false);
        }
        catch (RsyncException e) when (e.DiskFull)
        {
            throw new OperationFailedException(DiskFullMessage(volume, source, e), e);
        }

        if (request.DryRun)
        {
            logger.LogInformation("dry run: {Count} changes, {Bytes} bytes to transfer; nothing was written, no snapshot taken",
                result.Changes.Count, result.BytesTransferred);
            return new BackupStepResult
            {
                BytesTransferred = result.BytesTransferred,
                Duration = result.Duration,
                FilesVanished = result.FilesVanished,
                Changes = result.Changes,
            };
        }

        CheckSourceUnchanged(source, sourceIdentity);
        var name = await TakeSnapshotAsync(volume, cancellationToken).ConfigureAwait(false);
        logger.LogInformation("snapshot {Snapshot} taken ({Bytes} bytes transferred by rsync in {Seconds:0.0} s)",
            name, result.BytesTransferred, result.Duration.TotalSeconds);

        return new BackupStepResult
        {
            SnapshotName = name,
            BytesTransferred = result.BytesTransferred,
            Duration = result.Duration,
            FilesVanished = result.FilesVanished,
            Volume = volume,
            Lock = volumeLock,
        };
    }

    /// <summary>A source that is suddenly empty while the newest backup is not is most likely a disk that did not mount.</summary>
    private void CheckNotEmptySource(BackupConfig config, string source, VolumeListing listing, BackupVolume volume)
    {
        if (config.AllowEmptySource || RemoteSource.TryParse(source, out _) || listing.Newest is not { } newest)
        {
            return;
        }
        if (Directory.EnumerateFileSystemEntries(source).Any())
        {
            return;
        }
        if (Directory.EnumerateFileSystemEntries(Path.Combine(volume.Path, newest.Name)).Any())
        {
            logger.LogWarning("source {Source} is empty but backup {Snapshot} is not", source, newest.Name);
            throw new SourceUnavailableException(
                $"source {source} is empty while the newest backup {newest.Name} is not (source disk not mounted?); " +
                "refusing to back up nothing. Set allow_empty_source = true if this is intended.");
        }
    }

    /// <summary>Says the volume is full, how much space it has and roughly how much the source needs, and what to do.</summary>
    private static string DiskFullMessage(BackupVolume volume, string source, RsyncException e)
    {
        static string Size(long bytes) => bytes >= 1L << 30 ? $"{bytes / (double)(1L << 30):0.0} GiB" : $"{bytes / (double)(1L << 20):0.0} MiB";
        var space = LibC.FileSystemSpace(volume.Path) is { } s ? $" has {Size(s.Available)} free of {Size(s.Total)}" : " is full";
        var needed = !RemoteSource.TryParse(source, out _) && DirectorySize(source) is { } bytes ? $"; the source holds about {Size(bytes)}" : string.Empty;
        return $"the backup volume is full: {volume.Path}{space}{needed}. rsync stopped with exit code {e.ExitCode}; no snapshot was taken " +
               "and .sync is kept. Free space on the volume (snapshotbackup prune/decay, or a bigger disk) and run the backup again.";
    }

    /// <summary>Apparent size of a local tree (a one-off walk, only on the disk-full error path); null when unreadable.</summary>
    private static long? DirectorySize(string path)
    {
        try
        {
            var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
            return new DirectoryInfo(path).EnumerateFiles("*", options).Sum(f => f.Length);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void CheckSourceUnchanged(string source, LibC.StatInfo? before)
    {
        if (before is not { } b)
        {
            return;
        }
        if (LibC.Stat(source, out _) is not { } a || a.Device != b.Device || a.Inode != b.Inode)
        {
            throw new SourceUnavailableException(
                $"source {source} disappeared or was replaced while rsync copied it (renamed or unmounted?); no snapshot taken, .sync is kept");
        }
    }

    private void EnsureSync(BackupVolume volume, VolumeListing listing)
    {
        switch (volume.SyncKind)
        {
            case SubvolumeKind.WritableSubvolume:
                return;
            case SubvolumeKind.Missing when listing.Newest is { } newest:
                logger.LogInformation("creating {Sync} as a writable snapshot of {Newest}", volume.SyncPath, newest.Name);
                btrfs.CreateSnapshot(volume.Path, newest.Name, BackupVolume.SyncName, readOnly: false);
                return;
            case SubvolumeKind.Missing:
                logger.LogInformation("creating subvolume {Sync}", volume.SyncPath);
                btrfs.CreateSubvolume(volume.Path, BackupVolume.SyncName);
                return;
            case SubvolumeKind.ReadOnlySubvolume:
                throw new OperationFailedException(
                    $"{volume.SyncPath} is a read-only subvolume; rsync cannot write into it. Make it writable with " +
                    $"'btrfs property set {volume.SyncPath} ro false', or delete it with 'snapshotbackup clean NAME'.");
            default:
                throw new OperationFailedException(
                    $"{volume.SyncPath} is {BackupVolume.Describe(volume.SyncKind)}, not a btrfs subvolume; " +
                    "move it out of the way and run the backup again (a new .sync is made from the newest backup).");
        }
    }

    private async Task<string> TakeSnapshotAsync(BackupVolume volume, CancellationToken cancellationToken)
    {
        // Named by the finish time; two backups within one second wait for the next second rather than collide.
        for (var attempt = 0; ; attempt++)
        {
            var name = SnapshotName.Format(TruncateToSeconds(time.GetLocalNow()));
            if (btrfs.Inspect(volume.Path, name) == SubvolumeKind.Missing)
            {
                btrfs.CreateSnapshot(volume.Path, BackupVolume.SyncName, name, readOnly: true);
                btrfs.SyncFileSystem(volume.Path);
                return name;
            }
            if (attempt >= 3)
            {
                throw new OperationFailedException($"cannot name the new snapshot: {name} already exists in {volume.Path}");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(1000 - time.GetUtcNow().Millisecond + 5), time, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static DateTimeOffset TruncateToSeconds(DateTimeOffset t) => t.AddTicks(-(t.Ticks % TimeSpan.TicksPerSecond));
}
