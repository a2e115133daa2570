using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.FileSystem;
using SnapshotBackup.Core.Retention;
using SnapshotBackup.Core.Rsync;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Core.Engine;

/// <summary>The backup step of a run: check source and volume, lock, rsync into <c>.sync</c>, snapshot; the lock stays with the result.</summary>
public sealed class BackupOperation(
    EngineEnvironment environment,
    IRsyncRunner rsync,
    ISourceProbe sourceProbe,
    ILogger logger)
{
    private readonly FreeSpacePruner _pruner = new(environment, logger);

    /// <summary>
    /// One backup: check source and volume, take the lock, make <c>.sync</c> if missing, rsync into it, and only after a
    /// complete rsync take the read-only snapshot named by the finish time. The result holds the lock until disposed
    /// (autodecay and autoprune run under it, see <see cref="Runs.BackupRunService"/>).
    /// A failure makes no snapshot, keeps <c>.sync</c> so the next run continues incrementally, and releases the lock.
    /// </summary>
    public async Task<BackupStepResult> BackupAsync(BackupConfig config, BackupRequest request, CancellationToken cancellationToken)
    {
        var source = request.SourceOverride ?? config.Source;
        var volume = environment.AvailableVolumeOf(config);
        await sourceProbe.CheckAsync(source, cancellationToken).ConfigureAwait(false);

        // A dry run writes nothing, not even the lock file's pid, so it takes no lock.
        var volumeLock = request.DryRun ? null : await LockAsync(config, volume, request.LockWait, cancellationToken).ConfigureAwait(false);
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
        BackupConfig config, BackupRequest request, string source, BackupVolume volume, IDisposable? volumeLock, CancellationToken cancellationToken)
    {
        var minFreeDeleted = new List<FreeSpaceDeletion>();
        try
        {
            return await BackupLockedAsync(config, request, source, volume, volumeLock, minFreeDeleted, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (FreeSpaceDeletion.Attach(e, minFreeDeleted))
        {
            throw; // never reached: Attach records what min_free deleted on the failure and lets it pass
        }
    }

    private async Task<BackupStepResult> BackupLockedAsync(
        BackupConfig config, BackupRequest request, string source, BackupVolume volume, IDisposable? volumeLock,
        List<FreeSpaceDeletion> minFreeDeleted, CancellationToken cancellationToken)
    {
        // Not for a dry run, which writes nothing and so takes no lock: it would write the file.
        using var syncLock = request.DryRun ? null
            : environment.Locks.AcquireSyncLock(volume.Path, config.Name, note => logger.LogInformation("{Note}", note));
        if (!request.DryRun && request.BeforeSync is { } beforeSync)
        {
            // Under the lock, before anything is read of the source (a before_backup hook dumps a database into it).
            await beforeSync(cancellationToken).ConfigureAwait(false);
        }
        var listing = volume.List();
        var syncMade = false;
        ListingReport.ReportSkipped(logger, listing);
        CheckNotEmptySource(config, source, listing, volume);
        // min_free, before rsync writes anything: delete snapshots until the free space is back (a dry run only says which).
        // Not in the backup taken before a restore: it could delete the snapshot about to be restored from.
        if (request.DryRun)
        {
            _pruner.Plan(config, volume);
        }
        else
        {
            if (request.BeforeRestore is null)
            {
                minFreeDeleted.AddRange(await _pruner.FreeAsync(config, volume, "before the backup", cancellationToken).ConfigureAwait(false));
            }
            syncMade = EnsureSync(volume, listing);
        }

        // The daemon's change journal: what rsync is given (only what changed, or everything), decided after before_backup
        // wrote into the source and with .sync in place; the events from here on belong to the next backup.
        var scan = request.DryRun || request.Checksum || request.SourceOverride is not null || request.Journal is not { } journal ? null
            : journal.Begin(volume.SyncPath, listing.Newest?.Name, syncMade, environment.Time.GetLocalNow(), config.FullScanEvery, config.Ignore,
                Btrfs.BtrfsManager.Identify(volume.Path, BackupVolume.SyncName));
        if (scan is not null)
        {
            logger.LogInformation("{Scan}", scan.Describe());
        }
        using var filesFrom = scan?.List is { } list ? Journal.FilesFromFile.Write(list.Paths) : null;

        // The source directory as it was when rsync started: a source renamed away, unmounted or replaced while rsync
        // ran is not what the snapshot would claim to be a backup of.
        var sourceIdentity = RemoteSource.TryParse(source, out _) ? null : environment.FileSystem.Identity(source);
        var result = await RunRsyncAsync(config, request, source, Destination(volume, listing, request.DryRun), volume, minFreeDeleted, filesFrom?.Path, cancellationToken)
            .ConfigureAwait(false);
        if (request.DryRun)
        {
            logger.LogInformation("dry run: {Count} changes, {Bytes} bytes to transfer; nothing was written, no snapshot taken",
                result.Changes.Count, result.BytesTransferred);
            return new BackupStepResult
            {
                BytesTransferred = result.BytesTransferred,
                FilesTransferred = result.FilesTransferred,
                Duration = result.Duration,
                FilesVanished = result.FilesVanished,
                Changes = result.Changes,
            };
        }

        CheckSourceUnchanged(source, sourceIdentity);
        scan?.List?.AfterRsync(source, volume.SyncPath);
        var name = await TakeSnapshotAsync(volume).ConfigureAwait(false);
        if (scan is not null)
        {
            request.Journal!.Completed(scan, name, Btrfs.BtrfsManager.Identify(volume.Path, BackupVolume.SyncName));
        }
        if (request.BeforeRestore is { } restoring)
        {
            logger.LogInformation("snapshot {Snapshot} taken before restoring {Restoring} ({Bytes} bytes transferred by rsync in {Seconds:0.0} s)",
                name, restoring, result.BytesTransferred, result.Duration.TotalSeconds);
        }
        else
        {
            logger.LogInformation("snapshot {Snapshot} taken ({Bytes} bytes transferred by rsync in {Seconds:0.0} s)",
                name, result.BytesTransferred, result.Duration.TotalSeconds);
        }
        return new BackupStepResult
        {
            SnapshotName = name,
            BytesTransferred = result.BytesTransferred,
            FilesTransferred = result.FilesTransferred,
            Duration = result.Duration,
            FilesVanished = result.FilesVanished,
            MinFreeDeleted = minFreeDeleted,
            Scan = scan,
            Volume = volume,
            Lock = volumeLock,
        };
    }

    /// <summary>The lock at once (the command), or waiting up to <paramref name="wait"/> (the daemon).</summary>
    private async Task<IDisposable> LockAsync(BackupConfig config, BackupVolume volume, TimeSpan? wait, CancellationToken cancellationToken) =>
        wait is { } w
            ? await environment.Locks.AcquireAsync(volume.Path, config.Name, w,
                e => logger.LogInformation("{Message}; waiting up to {Wait} for it to finish", e.Message, w), cancellationToken).ConfigureAwait(false)
            : environment.Lock(volume, config);

    /// <summary>A dry run compares with .sync, or, when there is none yet, with the newest backup (what .sync would start from).</summary>
    private static string Destination(BackupVolume volume, VolumeListing listing, bool dryRun) =>
        dryRun && volume.SyncKind == SubvolumeKind.Missing && listing.Newest is { } newestBackup
            ? Path.Combine(volume.Path, newestBackup.Name)
            : volume.SyncPath;

    /// <summary>
    /// rsync into <paramref name="destination"/>. When it stops with the volume full and <c>min_free</c> is set, snapshots
    /// are deleted until the free space is back at the limit and rsync runs once more (the files it completed stay in
    /// .sync); what was deleted is added to <paramref name="minFreeDeleted"/>. Not for the backup taken before a restore.
    /// </summary>
    private async Task<RsyncResult> RunRsyncAsync(
        BackupConfig config, BackupRequest request, string source, string destination, BackupVolume volume,
        List<FreeSpaceDeletion> minFreeDeleted, string? filesFrom, CancellationToken cancellationToken)
    {
        if (request.DryRun)
        {
            logger.LogInformation("dry run: comparing {Source} with {Destination}", source, destination);
        }
        else
        {
            logger.LogInformation("backing up {Source} into {Sync}", source, destination);
        }
        var options = new RsyncOptions(source, destination)
        {
            Ignore = config.Ignore,
            Checksum = request.Checksum,
            DryRun = request.DryRun,
            Progress = request.Progress,
            FilesFrom = filesFrom,
        };
        try
        {
            return await RunOnceMoreOnStaleAclAsync(options, request, cancellationToken).ConfigureAwait(false);
        }
        catch (RsyncException e) when (e.DiskFull && !request.DryRun && request.BeforeRestore is null && config.MinFree is { } limit)
        {
            var freed = await _pruner.FreeAsync(config, volume, "after rsync found the volume full", cancellationToken).ConfigureAwait(false);
            if (freed.Count == 0)
            {
                throw new OperationFailedException(
                    DiskFullMessage.For(environment.FileSystem, config.Backups, source, e) + $" (min_free = {limit} is met, so it deleted nothing)", e);
            }
            minFreeDeleted.AddRange(freed);
        }
        catch (RsyncException e) when (e.DiskFull)
        {
            throw new OperationFailedException(DiskFullMessage.For(environment.FileSystem, config.Backups, source, e), e);
        }
        logger.LogInformation("min_free: running rsync once more into {Sync}", destination);
        try
        {
            return await RunOnceMoreOnStaleAclAsync(options, request, cancellationToken).ConfigureAwait(false);
        }
        catch (RsyncException e) when (e.DiskFull)
        {
            throw new OperationFailedException(
                DiskFullMessage.For(environment.FileSystem, config.Backups, source, e) + $" (the second try, after min_free deleted {minFreeDeleted.Count} snapshots)", e);
        }
    }

    /// <summary>
    /// rsync, and once more when it failed only on its own hard-link and ACL defect (<see cref="RsyncException.StaleDefaultAcl"/>):
    /// the second run completes what the first left (it is the same rsync into the same .sync), so the snapshot is still
    /// taken only after a complete rsync. Any other failure, or the same one twice, fails the backup.
    /// </summary>
    private async Task<RsyncResult> RunOnceMoreOnStaleAclAsync(RsyncOptions options, BackupRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await rsync.RunAsync(options, cancellationToken, request.OnProgress).ConfigureAwait(false);
        }
        catch (RsyncException e) when (e.StaleDefaultAcl)
        {
            logger.LogWarning(
                "rsync stopped on its own defect with hard links and ACLs (a directory replaced by a hard-linked file with an ACL: {Error}); running it once more",
                e.StandardErrorTail.Split('\n', StringSplitOptions.RemoveEmptyEntries)[0].Trim());
            return await rsync.RunAsync(options, cancellationToken, request.OnProgress).ConfigureAwait(false);
        }
    }

    /// <summary>A source that is suddenly empty while the newest backup is not is most likely a disk that did not mount.</summary>
    private void CheckNotEmptySource(BackupConfig config, string source, VolumeListing listing, BackupVolume volume)
    {
        if (config.AllowEmptySource || RemoteSource.TryParse(source, out _) || listing.Newest is not { } newest)
        {
            return;
        }
        if (environment.FileSystem.EntryNames(source).Any())
        {
            return;
        }
        if (environment.FileSystem.EntryNames(Path.Combine(volume.Path, newest.Name)).Any())
        {
            logger.LogWarning("source {Source} is empty but backup {Snapshot} is not", source, newest.Name);
            throw new SourceUnavailableException(
                $"source {source} is empty while the newest backup {newest.Name} is not (source disk not mounted?); " +
                "refusing to back up nothing. Set allow_empty_source = true if this is intended.");
        }
    }

    private void CheckSourceUnchanged(string source, FileIdentity? before)
    {
        if (before is { } b && environment.FileSystem.Identity(source) != b)
        {
            throw new SourceUnavailableException(
                $"source {source} disappeared or was replaced while rsync copied it (renamed or unmounted?); no snapshot taken, .sync is kept");
        }
    }

    /// <summary>Makes .sync when it is missing; true when it was made now.</summary>
    private bool EnsureSync(BackupVolume volume, VolumeListing listing)
    {
        var decision = SyncDecision.Decide(volume.SyncKind, listing.Newest, volume.SyncPath);
        switch (decision.Action)
        {
            case SyncAction.Use:
                return false;
            case SyncAction.SnapshotNewest:
                logger.LogInformation("creating {Sync} as a writable snapshot of {Newest}", volume.SyncPath, decision.Newest);
                environment.Btrfs.CreateSnapshot(volume.Path, decision.Newest!, BackupVolume.SyncName, readOnly: false);
                return true;
            case SyncAction.CreateSubvolume:
                logger.LogInformation("creating subvolume {Sync}", volume.SyncPath);
                environment.Btrfs.CreateSubvolume(volume.Path, BackupVolume.SyncName);
                return true;
            default:
                throw new OperationFailedException(decision.Refusal!);
        }
    }

    /// <summary>The read-only snapshot of <c>.sync</c>, named by the finish time (see <see cref="SnapshotNamer"/>).</summary>
    private async Task<string> TakeSnapshotAsync(BackupVolume volume)
    {
        var btrfs = environment.Btrfs;
        var name = await SnapshotNamer.FreeNameAsync(environment.Time, n => btrfs.Inspect(volume.Path, n) != SubvolumeKind.Missing, volume.Path)
            .ConfigureAwait(false);
        btrfs.CreateSnapshot(volume.Path, BackupVolume.SyncName, name, readOnly: true);
        btrfs.SyncFileSystem(volume.Path);
        return name;
    }
}
