using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Processes;

namespace SnapshotBackup.Core.Rsync;

/// <summary>Runs rsync for one backup and maps its exit code: 0 and 24 succeed, anything else is an <see cref="RsyncException"/>.</summary>
public sealed class RsyncRunner(ProcessRunner runner, ILogger logger) : IRsyncRunner
{
    /// <summary>The longest one rsync run may take before it is stopped.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromHours(24);

    public string RsyncPath { get; init; } = "rsync";

    /// <summary>How long a run waits, after rsync died of a signal, for its own cancellation to arrive (see RunAsync).</summary>
    public static readonly TimeSpan SignalGrace = TimeSpan.FromSeconds(1);

    /// <summary>Runs rsync; <paramref name="onProgress"/> receives overall percentages when progress was asked for.</summary>
    /// <exception cref="OperationCanceledException">when cancelled; rsync has then been stopped.</exception>
    public Task<RsyncResult> RunAsync(RsyncOptions options, CancellationToken cancellationToken, Action<int>? onProgress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return RunCommandAsync(RsyncCommandBuilder.Build(options, RsyncPath), options.DryRun, options.Progress, onProgress,
            "some files vanished while rsync copied them (rsync exit code 24); the backup is otherwise complete", cancellationToken);
    }

    /// <inheritdoc/>
    public Task<RsyncResult> RunRestoreAsync(RestoreRsyncOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        // The plan itemizes its changes; a restore reports its counts from --stats (one line per file would cost a
        // restore of many files measurable CPU on both ends of the pipe).
        return RunCommandAsync(RsyncCommandBuilder.BuildRestore(options, RsyncPath), collectChanges: options.DryRun, progress: false, onProgress: null,
            "some files vanished while rsync restored them (rsync exit code 24); the restore is otherwise complete", cancellationToken);
    }

    private async Task<RsyncResult> RunCommandAsync(
        ExternalCommand command, bool collectChanges, bool progress, Action<int>? onProgress, string vanishedWarning, CancellationToken cancellationToken)
    {
        long bytes = 0;
        long? created = null, deleted = null, transferred = null;
        var changes = new List<string>();
        var result = await runner.RunAsync(command, Timeout, cancellationToken, chunk =>
        {
            if (progress && RsyncOutputParser.ParsePercent(chunk) is { } percent)
            {
                onProgress?.Invoke(percent);
            }
            else if (RsyncOutputParser.ParseTransferredBytes(chunk) is { } total)
            {
                bytes = total;
            }
            else if (RsyncOutputParser.ParseCount(chunk, "Number of created files:") is { } c)
            {
                created = c;
            }
            else if (RsyncOutputParser.ParseCount(chunk, "Number of deleted files:") is { } d)
            {
                deleted = d;
            }
            else if (RsyncOutputParser.ParseCount(chunk, "Number of regular files transferred:") is { } t)
            {
                transferred = t;
            }
            else if (collectChanges && RsyncOutputParser.IsItemizedChange(chunk))
            {
                changes.Add(chunk);
            }
        }).ConfigureAwait(false);

        if (!result.Cancelled && RsyncExitCodes.IsSignal(result.ExitCode))
        {
            // Ctrl-C reaches the whole process group: rsync may exit from its SIGINT just before or just after our own
            // handler cancels the run. Either way the run was interrupted, not failed: give the handler a moment.
            if (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(SignalGrace, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Our cancellation arrived: handled below.
                }
            }
            if (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException($"rsync was stopped (exit code {result.ExitCode})", cancellationToken);
            }
        }
        if (result.Cancelled)
        {
            throw new OperationCanceledException($"rsync was stopped (exit code {result.ExitCode})", cancellationToken);
        }
        if (result.ExitCode == RsyncExitCodes.PartialTransferVanished)
        {
            logger.LogWarning("{Warning}", vanishedWarning);
        }
        else if (result.ExitCode != RsyncExitCodes.Success)
        {
            throw new RsyncException(result.ExitCode, result.StandardErrorTail);
        }
        return new RsyncResult(result.ExitCode, bytes, result.Duration)
        {
            Changes = changes,
            Created = created,
            Deleted = deleted,
            FilesTransferred = transferred,
        };
    }
}
