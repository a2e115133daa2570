using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Engine;
using SnapshotBackup.Core.Rsync;

namespace SnapshotBackup.Core.Restore;

/// <summary>
/// Restores paths from a snapshot with rsync: first the plan (a dry run listing every change), then the restore itself.
/// It only reads the snapshot; the caller holds the volume lock while it runs, so no prune deletes the snapshot
/// underneath (see <see cref="Runs.BackupRunService"/> for the restore after a backup of the source). rsync writes
/// each file to a temporary name next to it and renames it into place (never <c>--inplace</c>), so a file in the
/// target is always either its old or its restored version.
/// </summary>
public sealed class RestoreOperation(IRsyncRunner rsync, ILogger logger)
{
    /// <summary>What the restore would change in the target; changes nothing.</summary>
    public async Task<RestorePlan> PlanAsync(RestoreRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        logger.LogDebug("planning the restore of {Paths} from {Snapshot} into {Target}", request.PathsText, request.SnapshotName, request.Target);
        var result = await rsync.RunRestoreAsync(Options(request) with { DryRun = true }, cancellationToken).ConfigureAwait(false);
        return new RestorePlan(result.Changes);
    }

    /// <summary>Restores; throws <see cref="RsyncException"/> (or <see cref="OperationCanceledException"/>) when rsync did not finish.</summary>
    public async Task<RsyncResult> RestoreAsync(RestoreRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Directory.Exists(request.SnapshotDirectory))
        {
            throw new OperationFailedException($"snapshot {request.SnapshotName} is gone ({request.SnapshotDirectory}); nothing was restored");
        }
        if (!RemoteSource.TryParse(request.Target, out _))
        {
            Directory.CreateDirectory(request.Target);
        }
        logger.LogInformation("restoring {Paths} from {Snapshot} into {Target}", request.PathsText, request.SnapshotName, request.Target);
        var result = await rsync.RunRestoreAsync(Options(request), cancellationToken).ConfigureAwait(false);
        logger.LogInformation("restored {Paths} from {Snapshot} into {Target} ({Bytes} bytes transferred by rsync in {Seconds:0.0} s)",
            request.PathsText, request.SnapshotName, request.Target, result.BytesTransferred, result.Duration.TotalSeconds);
        return result;
    }

    private static RestoreRsyncOptions Options(RestoreRequest request) =>
        new(request.SnapshotDirectory, request.RelativePaths, request.Target) { Ignore = request.Ignore, Delete = request.Delete, Checksum = request.Checksum };
}
