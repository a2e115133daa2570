using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Copies;
using SnapshotBackup.Core.Engine;
using SnapshotBackup.Core.Hooks;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Core.Runs;

/// <summary>
/// One backup run, the same for the command and the daemon: under the backup's volume lock the observers' start (the
/// health-check ping) and the <c>before_backup</c> hook, the backup, then the request's step after the snapshot (a
/// restore), then <c>before_prune</c>, autodecay, autoprune, <c>after_prune</c>, then the copies to the <c>copy_to</c>
/// targets (never deleting the snapshot just made; no retention and no copies in a run taken before a restore), then
/// <c>after_backup</c>; <c>on_failure</c> after a run that failed; then record, tell the observers (pings, metrics) and
/// notify. A new step is added here, once.
/// Never throws: every error ends up in the <see cref="RunResult"/>, classified by <see cref="RunClassifier"/>.
/// </summary>
public sealed class BackupRunService(IBackupEngine engine, IRunNotifier notifier, IRunRecorder recorder, TimeProvider time, ILogger logger)
{
    /// <summary>Held for the whole run and released at its end (the daemon's sleep inhibitor); none by default.</summary>
    public Func<string, CancellationToken, Task<IAsyncDisposable>>? KeepAwake { get; init; }

    /// <summary>Runs the section's hooks; <see cref="HookRunner"/> by default.</summary>
    public IHookRunner Hooks { get => _hooks ??= new HookRunner(logger); init => _hooks = value; }

    private IHookRunner? _hooks;

    /// <summary>Told of every run's start and end (health-check pings, the metrics file); none by default.</summary>
    public IReadOnlyList<IRunObserver> Observers { get; init; } = [];

    public async Task<RunResult> RunAsync(BackupConfig config, BackupRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(request);
        var started = time.GetTimestamp();
        var log = RunLog.Begin();
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
            result = new RunResult(config.Name, RunClassifier.Classify(e, cancellationToken)) { Error = e, MinFreeDeleted = Retention.FreeSpaceDeletion.AttachedTo(e) };
        }
        // Not for a run refused by the volume lock: another run holds the volume, and an on_failure that cleans up (a
        // dump in the source) would work on that run's files.
        if (result.Outcome == RunOutcome.Failed && !request.DryRun && result.Error is not VolumeLockedException)
        {
            var hooks = HookConfig(config, request);
            var hook = await RunHookAsync(hooks, HookKind.OnFailure,
                HookEnvironment.For(hooks, HookKind.OnFailure, outcome: "failed", error: result.ErrorMessage), cancellationToken);
            result = WithWarning(config, result, hook);
        }
        result = result with { Duration = time.GetElapsedTime(started), Finished = time.GetLocalNow(), DryRun = request.DryRun };
        if (request.DryRun)
        {
            return result;
        }
        // Recorded before the notification, which may take seconds (Notifications.DesktopNotifications.Timeout).
        recorder.Finished(result);
        // The run's token: cancelled when the daemon is stopping, for observers to keep their time short, not to skip.
        await ObserveAsync(o => o.RunFinishedAsync(config, result, log.Lines, cancellationToken), "after the run");
        await NotifyAsync(config, request, result, cancellationToken);
        return result;
    }

    private async Task<RunResult> BackupAndRetainAsync(BackupConfig config, BackupRequest request, CancellationToken cancellationToken)
    {
        await using var awake = KeepAwake is { } keepAwake ? await keepAwake(config.Name, cancellationToken) : null;
        if (request.DryRun)
        {
            LogHooksNotRun(config);
        }
        var hooks = HookConfig(config, request);
        var runRequest = request.DryRun ? request : request with { BeforeSync = ct => BeforeSyncAsync(config, hooks, request.BeforeSync, ct) };
        using var backup = await engine.BackupAsync(config, runRequest, cancellationToken);
        var result = new RunResult(config.Name, RunOutcome.Succeeded)
        {
            SnapshotName = backup.SnapshotName,
            BytesTransferred = backup.BytesTransferred,
            FilesTransferred = backup.FilesTransferred,
            Changes = backup.Changes,
            MinFreeDeleted = backup.MinFreeDeleted,
        };
        if (request.DryRun)
        {
            return result;
        }
        if (request.BeforeRestore is not null)
        {
            // A backup taken before a restore: after_backup ends the backup before the restore begins, so a hook that
            // cleans up the source (a dump it no longer needs) never removes what was just restored.
            result = WithWarning(config, result, await AfterBackupAsync(hooks, result, cancellationToken));
            return await RetainAndCopyAsync(config, request, backup, result, cancellationToken);
        }
        result = await RetainAndCopyAsync(config, request, backup, result, cancellationToken);
        return WithWarning(config, result, await AfterBackupAsync(hooks, result, cancellationToken));
    }

    private Task<HookResult?> AfterBackupAsync(BackupConfig hooks, RunResult result, CancellationToken cancellationToken) =>
        RunHookAsync(hooks, HookKind.AfterBackup,
            HookEnvironment.For(hooks, HookKind.AfterBackup, snapshot: result.SnapshotName, outcome: "succeeded"), cancellationToken);

    /// <summary>The run has its lock: tell the observers (the start ping), run the request's own step, then <c>before_backup</c>.</summary>
    private async Task BeforeSyncAsync(BackupConfig config, BackupConfig hooks, Func<CancellationToken, Task>? requested, CancellationToken cancellationToken)
    {
        await ObserveAsync(o => o.RunStartedAsync(config, cancellationToken), "at the run's start");
        if (requested is not null)
        {
            await requested(cancellationToken);
        }
        if (await RunHookAsync(hooks, HookKind.BeforeBackup, HookEnvironment.For(hooks, HookKind.BeforeBackup), cancellationToken) is { Succeeded: false } failed)
        {
            throw new HookFailedException(failed, config.Hooks.Timeout);
        }
    }

    /// <summary>After the snapshot: the request's step, retention between its hooks, the copies.</summary>
    private async Task<RunResult> RetainAndCopyAsync(
        BackupConfig config, BackupRequest request, BackupStepResult backup, RunResult result, CancellationToken cancellationToken)
    {
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
        if (config.AutoDecay || config.AutoPrune)
        {
            result = await RetainAsync(config, HookConfig(config, request), backup, result, cancellationToken);
        }
        if (request.Copy && config.CopySchedule is null && config.CopyTo.Count > 0)
        {
            // Still under the backup's volume lock: nothing deletes a snapshot while it is sent.
            result = result with
            {
                Copies = await CopyLockedAsync(config, config.CopyTo, new CopyOptions { Progress = request.OnCopyProgress }, cancellationToken),
            };
        }
        return result;
    }

    /// <summary>
    /// <c>before_prune</c> (its failure skips retention: a retention error, the backup stays a success), autodecay, then
    /// autoprune, then <c>after_prune</c>.
    /// </summary>
    private async Task<RunResult> RetainAsync(BackupConfig config, BackupConfig hooks, BackupStepResult backup, RunResult result, CancellationToken cancellationToken)
    {
        if (await RunHookAsync(hooks, HookKind.BeforePrune, HookEnvironment.For(hooks, HookKind.BeforePrune), cancellationToken) is { Succeeded: false } failed)
        {
            var error = new HookFailedException(failed, config.Hooks.Timeout);
            logger.LogError("autodecay/autoprune {Backup} skipped: {Reason}", config.Name, error.Message);
            return result with { RetentionError = error };
        }
        // Decay first, then prune, as the original ran them; one failing does not stop the other, nor fail the run.
        Exception? retentionError = null;
        var decayed = config.AutoDecay ? DeleteCandidates(config, backup, decay: true, ref retentionError) : [];
        var pruned = config.AutoPrune ? DeleteCandidates(config, backup, decay: false, ref retentionError) : [];
        result = result with { Decayed = decayed, Pruned = pruned, RetentionError = retentionError };
        var afterPrune = await RunHookAsync(hooks, HookKind.AfterPrune,
            HookEnvironment.For(hooks, HookKind.AfterPrune, outcome: retentionError is null ? "succeeded" : "failed", deleted: decayed.Concat(pruned)),
            cancellationToken);
        return WithWarning(config, result, afterPrune);
    }

    /// <summary>
    /// The section as its hooks see it: with <c>backup --source PATH</c> (or a restore's backup of another source) the
    /// source actually backed up, in SNAPSHOTBACKUP_SOURCE and as the working directory.
    /// </summary>
    private static BackupConfig HookConfig(BackupConfig config, BackupRequest request) =>
        request.SourceOverride is { } source ? config with { Source = source } : config;

    /// <summary>
    /// Runs a hook of the section, if it has one. A hook that cannot even start counts as failed (exit code 127, as the
    /// shell says for a missing command). An interrupted <c>before_backup</c> throws <see cref="OperationCanceledException"/>
    /// (the run is interrupted, no snapshot); any other hook interrupted (the daemon stopping) is a hook that was stopped:
    /// the snapshot is taken, the run keeps its outcome, and on_failure must not turn a failure into an exception.
    /// </summary>
    private async Task<HookResult?> RunHookAsync(BackupConfig config, HookKind kind, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        if (config.Hooks.Of(kind) is not { } command)
        {
            return null;
        }
        if (kind != HookKind.BeforeBackup && cancellationToken.IsCancellationRequested)
        {
            // Started only to be killed at once, a half-run hook (a service restart) is worse than none.
            logger.LogWarning("{Hook} hook of {Backup}: not run, stopping", kind.Key(), config.Name);
            return new HookResult(kind, command, null, false, TimeSpan.Zero, ["not run: stopping"]);
        }
        var started = time.GetTimestamp();
        try
        {
            return await Hooks.RunAsync(config, kind, environment, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            // The shell could not be started (or the runner failed): a failed hook, never an exception out of the run.
            logger.LogError("{Hook} hook of {Backup}: {Reason}", kind.Key(), config.Name, e.Message);
            return new HookResult(kind, command, 127, false, TimeSpan.Zero, [e.Message]);
        }
        catch (OperationCanceledException) when (kind != HookKind.BeforeBackup && cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("{Hook} hook of {Backup}: stopped (interrupted)", kind.Key(), config.Name);
            return new HookResult(kind, command, null, false, time.GetElapsedTime(started), []);
        }
    }

    /// <summary>A hook that failed without failing the run: a warning in the log and in the result.</summary>
    private RunResult WithWarning(BackupConfig config, RunResult result, HookResult? hook)
    {
        if (hook is null || hook.Succeeded)
        {
            return result;
        }
        var text = hook.Describe(config.Hooks.Timeout);
        logger.LogWarning("backup {Backup}: {Warning}", result.Section, text);
        return result with { HookWarnings = [.. result.HookWarnings, text] };
    }

    /// <summary>A dry run runs no hook (they change things: a database dump); it says which would have run.</summary>
    private void LogHooksNotRun(BackupConfig config)
    {
        foreach (var kind in Enum.GetValues<HookKind>())
        {
            if (config.Hooks.Of(kind) is { } command)
            {
                logger.LogInformation("dry run: the {Hook} hook is not run: {Command}", kind.Key(), command);
            }
        }
    }

    /// <summary>Tells every observer, at once; what one throws is a warning, never the run's failure.</summary>
    private async Task ObserveAsync(Func<IRunObserver, Task> tell, string when)
    {
        if (Observers.Count == 0)
        {
            return;
        }
        await Task.WhenAll(Observers.Select(async observer =>
        {
            try
            {
                await tell(observer);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                logger.LogWarning("{Observer} {When}: {Reason}", observer.GetType().Name, when, e.Message);
            }
        }));
    }

    /// <summary>
    /// The prune and decay commands between the section's <c>before_prune</c> and <c>after_prune</c> hooks, as autoprune
    /// runs in a backup: the volume must be available (else no hook runs), then <c>before_prune</c> (its failure throws
    /// <see cref="HookFailedException"/>: nothing is deleted), then <paramref name="delete"/> (which takes the volume
    /// lock), then <c>after_prune</c> with what was deleted (its failure is a warning, returned). The hooks run whether or
    /// not anything turns out to be deleted, as in a backup; a dry run calls none of this.
    /// </summary>
    public async Task<(DeleteOutcome Outcome, string? HookWarning)> DeleteAsync(BackupConfig config, Func<DeleteOutcome> delete, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(delete);
        engine.EnsureAvailable(config);
        if (await RunHookAsync(config, HookKind.BeforePrune, HookEnvironment.For(config, HookKind.BeforePrune), cancellationToken) is { Succeeded: false } failed)
        {
            throw new HookFailedException(failed, config.Hooks.Timeout);
        }
        var outcome = delete();
        var afterPrune = await RunHookAsync(config, HookKind.AfterPrune,
            HookEnvironment.For(config, HookKind.AfterPrune, outcome: outcome.Failure is null ? "succeeded" : "failed", deleted: outcome.Deleted),
            cancellationToken);
        if (afterPrune is null || afterPrune.Succeeded)
        {
            return (outcome, null);
        }
        var warning = afterPrune.Describe(config.Hooks.Timeout);
        logger.LogWarning("{What} {Backup}: {Warning}", "prune", config.Name, warning);
        return (outcome, warning);
    }

    /// <summary>
    /// A copy run on its own (<c>snapshotbackup copy</c>, the daemon's <c>copy_schedule</c> job): takes the volume lock
    /// (at once, or waiting up to <paramref name="lockWait"/>), copies to each of <paramref name="targets"/> (default: every
    /// <c>copy_to</c> target) and notifies per target as a run after a backup does. Throws only what keeps it from
    /// starting (the volume unavailable or locked, cancellation); each target's failure is in its report.
    /// </summary>
    public async Task<IReadOnlyList<CopyReport>> CopyAsync(
        BackupConfig config, IReadOnlyList<CopyTarget>? targets, CopyOptions options, TimeSpan? lockWait, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(options);
        await using var awake = KeepAwake is { } keepAwake ? await keepAwake(config.Name, cancellationToken) : null;
        // A dry run reads only: no lock (taking one writes the lock file), as prune's dry run.
        using var volumeLock = options.DryRun ? null : await engine.LockVolumeAsync(config, lockWait, cancellationToken);
        if (options.DryRun)
        {
            engine.EnsureAvailable(config);
        }
        var reports = await CopyLockedAsync(config, targets ?? config.CopyTo, options, cancellationToken);
        if (!options.DryRun)
        {
            await ObserveAsync(o => o.CopiesFinishedAsync(config, reports, CancellationToken.None), "after the copies");
            await NotifyCopiesAsync(config, reports, cancellationToken);
        }
        return reports;
    }

    private async Task<IReadOnlyList<CopyReport>> CopyLockedAsync(
        BackupConfig config, IReadOnlyList<CopyTarget> targets, CopyOptions options, CancellationToken cancellationToken)
    {
        var reports = new List<CopyReport>(targets.Count);
        foreach (var target in targets)
        {
            CopyReport report;
            try
            {
                cancellationToken.ThrowIfCancellationRequested();
                report = await engine.CopyAsync(config, target, options, cancellationToken);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Interrupted too: the snapshot is taken, the run stays a success; the copy resumes next time.
                report = new CopyReport(target) { Error = e, DryRun = options.DryRun };
            }
            if (report.Error is CopyTargetUnavailableException unavailable)
            {
                logger.LogInformation("copy {Backup} to {Target} skipped: {Reason}", config.Name, target.Spec, unavailable.Message);
            }
            else if (report.Error is { } error and not OperationCanceledException)
            {
                logger.LogError("copy {Backup} to {Target} failed: {Reason}", config.Name, target.Spec, error.Message);
            }
            reports.Add(report);
        }
        return reports;
    }

    /// <summary>
    /// A target that could not be reached is a skip and a failed copy a failure, each under silent_fail_threshold against
    /// the target's last complete copy; a copy that worked is not notified on its own (the backup was).
    /// </summary>
    private async Task NotifyCopiesAsync(BackupConfig config, IReadOnlyList<CopyReport> reports, CancellationToken cancellationToken)
    {
        var failed = reports.Where(r => r.Error is not null and not OperationCanceledException).ToList();
        if (failed.Count == 0)
        {
            return;
        }
        var records = engine.CopyRecords(config);
        foreach (var report in failed)
        {
            var outcome = report.Error is CopyTargetUnavailableException ? RunOutcome.Skipped : RunOutcome.Failed;
            var lastCopy = records.GetValueOrDefault(report.Target.Spec)?.LastCopy;
            try
            {
                await notifier.NotifyRunAsync(
                    config, outcome, $"copy to {report.Target.Spec}: {report.Error!.Message}", lastCopy, time.GetLocalNow(), cancellationToken);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                logger.LogWarning("copy {Backup}: could not notify: {Reason}", config.Name, e.Message);
            }
        }
    }

    /// <summary><c>; min_free deleted A (prune candidate), B (decay candidate)</c>, or nothing.</summary>
    public static string MinFreeText(RunResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.MinFreeDeleted.Count == 0 ? string.Empty : "; min_free deleted " + string.Join(", ", result.MinFreeDeleted);
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
            var detail = result.Outcome == RunOutcome.Succeeded ? result.SnapshotName + MinFreeText(result)
                : result.ErrorMessage + (result.ErrorMessage?.Contains("min_free", StringComparison.Ordinal) == true ? string.Empty : MinFreeText(result));
            await notifier.NotifyRunAsync(config, result.Outcome, detail, lastSuccess, time.GetLocalNow(), cancellationToken);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogWarning("backup {Backup}: could not notify: {Reason}", config.Name, e.Message);
        }
        await NotifyCopiesAsync(config, result.Copies, cancellationToken);
    }
}
