using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Logging;
using SnapshotBackup.Core;
using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Copies;
using SnapshotBackup.Core.Engine;
using SnapshotBackup.Core.Processes;
using SnapshotBackup.Core.Restore;
using SnapshotBackup.Core.Rsync;
using SnapshotBackup.Core.Runs;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Cli;

/// <summary>
/// <c>snapshotbackup restore NAME PATH…</c>: files back from a snapshot, into the source (after a backup of it, so the
/// restore can itself be undone) or <c>--to DIR</c>. Plans with an rsync dry run, shows the summary, asks (or
/// <c>--yes</c>), then restores under the volume lock. With <c>--yes</c> there is no one to show a plan to: it restores
/// at once and reports what rsync changed, so a restore costs one pass over the data, as a plain rsync does.
/// </summary>
internal sealed class RestoreCommand(CliArguments arguments, BackupEngine engine, BackupRunService runs, ILogger logger, TextWriter output, TimeProvider time)
{
    /// <summary>How many of the plan's changes the question shows (<c>--dry-run</c> lists them all).</summary>
    private const int ShownChanges = 20;

    /// <summary>Answers [y/N] questions; null means there is no terminal to ask on.</summary>
    public Func<string, bool>? Ask { get; init; }

    public async Task<int> RunAsync(BackupConfig config, CancellationToken cancellationToken)
    {
        try
        {
            return await RunLockedAsync(config, cancellationToken);
        }
        finally
        {
            if (_copyLock is not null)
            {
                await _copyLock.DisposeAsync();
            }
        }
    }

    private async Task<int> RunLockedAsync(BackupConfig config, CancellationToken cancellationToken)
    {
        var intoSource = arguments.To is null;
        if (!intoSource && arguments.NoBackupFirst)
        {
            throw new UsageException("--no-backup-first is for a restore into the source; --to DIR takes no backup anyway");
        }
        var relatives = RestorePaths.Resolve(config.Source, arguments.Paths);
        var target = RestoreTarget.Resolve(arguments.To, config, Environment.CurrentDirectory);
        var fromCopy = arguments.FromCopy is { } spec ? CopyCommand.Targets(config, spec)[0] : null;
        var volume = fromCopy is null ? engine.VolumeOf(config) : CopyVolume(fromCopy);
        // The copy target's lock before its listing: a copy's retention cannot delete the copy while it is read.
        _copyLock = fromCopy is null ? null : await LockCopyAsync(fromCopy, cancellationToken);
        if (fromCopy is null)
        {
            volume.EnsureAvailable(config.Name);
        }
        else if (intoSource && !arguments.NoBackupFirst)
        {
            RequireVolumeForBackup(config);
        }
        var snapshot = SnapshotSelector.Choose(volume.List(), arguments.From, arguments.At, time.GetLocalNow(), time.LocalTimeZone, volume.Path);
        var snapshotDirectory = Path.Combine(volume.Path, snapshot.Name);
        RestorePaths.CheckInSnapshot(snapshotDirectory, snapshot.Name, config.Name, relatives);
        var ignore = RestoreTarget.VolumeExclude(target, volume.Path) is { } volumeExclude ? [.. config.Ignore, volumeExclude] : config.Ignore;
        var request = new RestoreRequest(snapshot.Name, snapshotDirectory, relatives, target)
        {
            Ignore = ignore,
            Delete = arguments.Delete,
            Checksum = RestoreRequest.HasContent(target),
        };
        var backupFirst = intoSource && !arguments.NoBackupFirst;
        // --yes skips the plan, except where its counts go into --no-backup-first's warning.
        if (arguments.Yes && !arguments.DryRun && !(intoSource && arguments.NoBackupFirst))
        {
            return backupFirst
                ? await RestoreAfterBackupAsync(config, request, cancellationToken)
                : await RestoreLockedAsync(config, request, cancellationToken);
        }

        var plan = await engine.Restore.PlanAsync(request, cancellationToken);
        var what = $"{request.PathsText} from snapshot {snapshot.Name} into {target}";
        if (plan.IsEmpty)
        {
            await output.WriteLineAsync($"nothing to restore: {request.PathsText} in {target} already equal{(relatives.Count == 1 ? "s" : "")} snapshot {snapshot.Name}");
            return ExitCodes.Ok;
        }
        if (arguments.DryRun)
        {
            foreach (var change in plan.Changes)
            {
                await output.WriteLineAsync(change);
            }
            await output.WriteLineAsync($"dry run: restoring {what} would change {plan.Changes.Count}: {plan.Summary}; nothing was changed");
            return ExitCodes.Ok;
        }

        if (intoSource && arguments.NoBackupFirst)
        {
            logger.LogWarning("--no-backup-first: the source is not backed up before the restore; what it overwrites ({Overwrite}) or deletes ({Delete}) in {Target} cannot be got back",
                plan.Overwrite, plan.Delete, target);
        }
        if (!Confirm(what, plan, backupFirst))
        {
            await output.WriteLineAsync("nothing restored");
            return ExitCodes.Ok;
        }
        return backupFirst
            ? await RestoreAfterBackupAsync(config, request, cancellationToken)
            : await RestoreLockedAsync(config, request, cancellationToken);
    }

    /// <summary>Holds the copy target's lock (the same a copy to it takes) for the rest of the command.</summary>
    private async Task<IAsyncDisposable?> LockCopyAsync(CopyTarget target, CancellationToken cancellationToken)
    {
        var destination = CopyDestinations.Open(target, sourceVolume: null, logger);
        try
        {
            await destination.ConnectAsync(dryRun: true, cancellationToken); // reads only: nothing cleaned
            return destination;
        }
        catch
        {
            await destination.DisposeAsync();
            throw;
        }
    }

    /// <summary>The copy target's lock while a restore reads from it (so its retention cannot delete the copy meanwhile).</summary>
    private IAsyncDisposable? _copyLock;

    /// <summary>A local copy target read as a volume: its copies are timestamp-named read-only subvolumes.</summary>
    private static BackupVolume CopyVolume(CopyTarget target)
    {
        if (target.IsRemote)
        {
            throw new UsageException(
                $"--from-copy {target.Spec}: restoring straight from a remote target is not supported; copy the snapshot back first (on {target.Host}: btrfs send {target.Path}/SNAPSHOT | ssh THIS-HOST btrfs receive DIR) or restore there");
        }
        if (!Directory.Exists(target.Path) || !BtrfsManager.Instance.IsBtrfs(target.Path))
        {
            throw new OperationFailedException($"--from-copy {target.Spec}: the copy target is not reachable (not mounted?); mount it and try again");
        }
        return new BackupVolume(target.Path, BtrfsManager.Instance);
    }

    /// <summary>Into the source from a copy: the backup first needs the backups volume, which may be the disk that is gone.</summary>
    private void RequireVolumeForBackup(BackupConfig config)
    {
        try
        {
            engine.VolumeOf(config).EnsureAvailable(config.Name);
        }
        catch (VolumeUnavailableException e)
        {
            throw new UsageException(
                $"{e.Message}; so the source cannot be backed up before the restore from the copy. Restore with --no-backup-first (what the restore overwrites or deletes in the source cannot be got back) or elsewhere with --to DIR");
        }
    }

    /// <summary>--yes goes ahead; otherwise the summary and a [y/N] question; without a terminal, refuses (exit 2).</summary>
    private bool Confirm(string what, RestorePlan plan, bool backupFirst)
    {
        if (arguments.Yes)
        {
            return true;
        }
        if (Ask is null)
        {
            throw new UsageException(
                $"restoring {what} would change {plan.Changes.Count} entries ({plan.Summary}) and there is no terminal to ask on; add --yes to restore without asking ('--dry-run' lists the changes). Nothing was changed.");
        }
        output.WriteLine($"restore {what}:");
        foreach (var change in plan.Changes.Take(ShownChanges))
        {
            output.WriteLine("  " + change);
        }
        if (plan.Changes.Count > ShownChanges)
        {
            output.WriteLine($"  ... and {plan.Changes.Count - ShownChanges} more ('--dry-run' lists them all)");
        }
        output.WriteLine(plan.Summary + (backupFirst ? "; the source is backed up first" : string.Empty));
        output.Flush();
        return Ask("restore?");
    }

    /// <summary>The backup of the source, then the restore under its lock (the one run path); prints the undo command.</summary>
    private async Task<int> RestoreAfterBackupAsync(BackupConfig config, RestoreRequest request, CancellationToken cancellationToken)
    {
        RsyncResult? done = null;
        var result = await runs.RunAsync(config, new BackupRequest
        {
            BeforeRestore = $"{request.PathsText} from {request.SnapshotName}",
            AfterSnapshot = async (_, token) => done = await engine.Restore.RestoreAsync(request, token),
        }, cancellationToken);
        if (result.Error is { } backupFailure)
        {
            logger.LogError("nothing was restored: the backup of the source before the restore did not succeed{Hint}",
                backupFailure is SourceUnavailableException
                    ? " (a source that is empty has nothing to lose: restore into it with --no-backup-first, or elsewhere with --to)"
                    : string.Empty);
            ExceptionDispatchInfo.Throw(backupFailure); // Program prints it and picks the exit code
        }
        var before = result.SnapshotName!;
        var undo = UndoCommand(config, before, Path.Combine(engine.VolumeOf(config).Path, before), request.RelativePaths);
        if (result.StepError is { } restoreFailure)
        {
            var why = restoreFailure is OperationCanceledException ? "was interrupted" : "failed: " + MessageText.Abbreviate(restoreFailure.Message);
            logger.LogError("the restore of {What} {Why}; the source may be part old, part restored (each file whole). It was backed up first, as snapshot {Before}; to go back: {Undo}",
                $"{request.PathsText} from {request.SnapshotName}", why, before, undo);
            return ExitCodes.Failed;
        }
        await output.WriteLineAsync(Restored(request, done));
        await output.WriteLineAsync($"the source as it was before is snapshot {before}; to undo: {undo}");
        return ExitCodes.Ok;
    }

    /// <summary>Without a backup first (--to, --no-backup-first): the volume lock while the snapshot is read.</summary>
    private async Task<int> RestoreLockedAsync(BackupConfig config, RestoreRequest request, CancellationToken cancellationToken)
    {
        RsyncResult done;
        // From a copy the backups volume may be gone: the copy target's lock (taken before the plan) is what matters.
        using (_copyLock is null ? engine.LockVolume(config) : null)
        {
            done = await engine.Restore.RestoreAsync(request, cancellationToken);
        }
        await output.WriteLineAsync(Restored(request, done));
        return ExitCodes.Ok;
    }

    /// <summary><c>restored docs from snapshot S into T: 3 files written, 2 entries created, 0 deleted</c> (rsync's --stats).</summary>
    private static string Restored(RestoreRequest request, RsyncResult? done) =>
        $"restored {request.PathsText} from snapshot {request.SnapshotName} into {request.Target}"
        + (done is { FilesTransferred: { } written, Created: { } created, Deleted: { } deleted }
            ? $": {written} files written, {created} entries created, {deleted} deleted"
            : string.Empty);

    /// <summary>
    /// <c>snapshotbackup [-c FILE] restore NAME PATHS --from BEFORE --delete</c>: each path as it is in the snapshot taken
    /// before, or, where the restore created it, its nearest directory there (whose --delete removes what was created).
    /// </summary>
    private string UndoCommand(BackupConfig config, string before, string beforeDirectory, IReadOnlyList<string> relatives)
    {
        var paths = RestorePaths.UndoPaths(beforeDirectory, relatives);
        var words = new List<string> { "snapshotbackup" };
        foreach (var file in arguments.ConfigPaths)
        {
            words.AddRange(["-c", Path.GetFullPath(file)]);
        }
        words.AddRange(["restore", config.Name]);
        var shown = paths.Select(RestorePaths.Display).ToList();
        if (shown.Any(p => p.StartsWith('-')))
        {
            // "--" ends the options, so a path starting with '-' stays a path.
            words.AddRange(["--from", before, "--delete", "--"]);
            words.AddRange(shown);
        }
        else
        {
            words.AddRange(shown);
            words.AddRange(["--from", before, "--delete"]);
        }
        return string.Join(' ', words.Select(ShellQuoting.QuoteIfNeeded));
    }
}
