using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Engine;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Core.Runs;

/// <summary>
/// One backup run, the same for the command and the daemon: backup, then the request's step after the snapshot (a
/// restore), then autodecay, then autoprune (all under the backup's volume lock, never deleting the snapshot just made;
/// no retention in a run taken before a restore), then record and notify. A new step is added here, once.
/// Never throws: every error ends up in the <see cref="RunResult"/>, classified by <see cref="RunClassifier"/>.
/// </summary>
public sealed class BackupRunService(IBackupEngine engine, IRunNotifier notifier, IRunRecorder recorder, TimeProvider time, ILogger logger)
{
    /// <summary>Held for the whole run and released at its end (the daemon's sleep inhibitor); none by default.</summary>
    public Func<string, CancellationToken, Task<IAsyncDisposable>>? KeepAwake { get; init; }

    public async Task<RunResult> RunAsync(BackupConfig config, BackupRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(request);
        var started = time.GetTimestamp();
        if (!request.DryRun)
        {
            recorder.Started(config.Name, time.GetLocalNow());
        }
        RunResult result;
        try
        {
            result = await BackupAndRetainAsync(config, request, cancellationToken);
        }
        catch (Exception e)
        {
            result = new RunResult(config.Name, RunClassifier.Classify(e, cancellationToken)) { Error = e };
        }
        result = result with { Duration = time.GetElapsedTime(started), Finished = time.GetLocalNow(), DryRun = request.DryRun };
        if (request.DryRun)
        {
            return result;
        }
        // Recorded before the notification, which may take seconds (Notifications.DesktopNotifications.Timeout).
        recorder.Finished(result);
        await NotifyAsync(config, request, result, cancellationToken);
        return result;
    }

    private async Task<RunResult> BackupAndRetainAsync(BackupConfig config, BackupRequest request, CancellationToken cancellationToken)
    {
        await using var awake = KeepAwake is { } keepAwake ? await keepAwake(config.Name, cancellationToken) : null;
        using var backup = await engine.BackupAsync(config, request, cancellationToken);
        var result = new RunResult(config.Name, RunOutcome.Succeeded)
        {
            SnapshotName = backup.SnapshotName,
            BytesTransferred = backup.BytesTransferred,
            Changes = backup.Changes,
        };
        if (request.DryRun)
        {
            return result;
        }
        if (request.AfterSnapshot is { } step)
        {
            try
            {
                await step(backup, cancellationToken);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                result = result with { StepError = e };
            }
        }
        if (request.BeforeRestore is not null)
        {
            // Retention after a backup taken before a restore could delete the snapshot restored from.
            return result;
        }
        // Decay first, then prune, as the original ran them; one failing does not stop the other, nor fail the run.
        Exception? retentionError = null;
        var decayed = config.AutoDecay ? DeleteCandidates(config, backup, decay: true, ref retentionError) : [];
        var pruned = config.AutoPrune ? DeleteCandidates(config, backup, decay: false, ref retentionError) : [];
        return result with { Decayed = decayed, Pruned = pruned, RetentionError = retentionError };
    }

    private IReadOnlyList<string> DeleteCandidates(BackupConfig config, BackupStepResult backup, bool decay, ref Exception? error)
    {
        try
        {
            var outcome = engine.DeleteCandidates(config, backup, decay);
            if (outcome.Failure is { } failure)
            {
                logger.LogError("{What} {Backup} failed: {Reason}", decay ? "autodecay" : "autoprune", config.Name, failure);
                error ??= new OperationFailedException(failure);
            }
            return outcome.Deleted;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogError("{What} {Backup} failed: {Reason}", decay ? "autodecay" : "autoprune", config.Name, e.Message);
            error ??= e;
            return [];
        }
    }

    /// <summary>
    /// Per silent_fail_threshold, against the one last success (the newest backup, else the record). Not when a
    /// command found the volume locked by another run without waiting: the person who ran it reads why.
    /// </summary>
    private async Task NotifyAsync(BackupConfig config, BackupRequest request, RunResult result, CancellationToken cancellationToken)
    {
        if (result.Error is VolumeLockedException && request.LockWait is null)
        {
            return;
        }
        try
        {
            var lastSuccess = result.Outcome is RunOutcome.Skipped or RunOutcome.Failed
                ? LastSuccess.Find(engine, config, () => recorder.LastSuccess(config.Name), out _)
                : null;
            var detail = result.Outcome == RunOutcome.Succeeded ? result.SnapshotName : result.ErrorMessage;
            await notifier.NotifyRunAsync(config, result.Outcome, detail, lastSuccess, time.GetLocalNow(), cancellationToken);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogWarning("backup {Backup}: could not notify: {Reason}", config.Name, e.Message);
        }
    }
}
