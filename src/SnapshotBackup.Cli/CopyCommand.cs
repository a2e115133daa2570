using System.Globalization;
using Microsoft.Extensions.Logging;
using SnapshotBackup.Core;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Copies;
using SnapshotBackup.Core.Runs;

namespace SnapshotBackup.Cli;

/// <summary>
/// <c>snapshotbackup copy NAME [--to TARGET] [--dry-run]</c>: the section's snapshots to its <c>copy_to</c> targets (or
/// the one given), through the one run path's copy step under the volume lock. Exit 0 when every target got what its
/// retention wants, 1 when one could not be reached or failed (each named), 75 when the volume is locked.
/// </summary>
internal sealed class CopyCommand(CliArguments arguments, BackupRunService runs, ILogger logger, TextWriter output, TextWriter error)
{
    public async Task<int> RunAsync(BackupConfig config, CancellationToken cancellationToken)
    {
        var targets = Targets(config, arguments.To);
        var showProgress = !arguments.Silent && Terminal.IsTerminal(2);
        var reports = await runs.CopyAsync(config, targets, new CopyOptions
        {
            DryRun = arguments.DryRun,
            Progress = showProgress ? Progress(error, () => _progressShown = true) : null,
        }, lockWait: null, cancellationToken);
        if (showProgress && _progressShown)
        {
            await error.WriteAsync("\r\x1b[K");
        }
        foreach (var report in reports)
        {
            await output.WriteAsync(Describe(report));
        }
        var failed = reports.Where(r => r.Error is not null).ToList();
        if (failed.Count > 0)
        {
            if (failed.Any(r => r.Error is OperationCanceledException) && cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }
            logger.LogDebug("copy {Backup}: {Count} of {Targets} targets did not finish", config.Name, failed.Count, reports.Count);
            return ExitCodes.Failed;
        }
        return ExitCodes.Ok;
    }

    /// <summary>The configured targets, or the one <c>--to</c> names (it must be one of them: its retention and the
    /// source's chain protection are configured with it).</summary>
    internal static IReadOnlyList<CopyTarget> Targets(BackupConfig config, string? to)
    {
        if (config.CopyTo.Count == 0)
        {
            throw new UsageException($"[{config.Name}] has no copy_to: nothing to copy to (add copy_to = /mnt/disk/copies or user@host:/path to its section)");
        }
        if (to is null)
        {
            return config.CopyTo;
        }
        // As configured, or the same directory or host:path written otherwise (a trailing slash, doubled slashes).
        return (config.CopyTo.FirstOrDefault(t => t.Spec == to)
                ?? (CopyTarget.TryParse(to, out var wanted, out _) ? config.CopyTo.FirstOrDefault(t => t.Spec == wanted.Spec) : null)) is { } target
            ? [target]
            : throw new UsageException($"--to {to}: not a copy_to target of [{config.Name}] (its targets: {string.Join(", ", config.CopyTo.Select(t => t.Spec))})");
    }

    private bool _progressShown;

    /// <summary>One line on a terminal, rewritten: <c>SNAPSHOT (1/3): 1.20 GiB, 85.2 MiB/s</c>.</summary>
    internal static Action<CopyProgress> Progress(TextWriter error, Action? shown = null) => p =>
    {
        shown?.Invoke();
        error.Write($"\r\x1b[K{p.Snapshot} ({p.Index}/{p.Count}): {ByteSize.Format(p.Bytes)}, {ByteSize.Rate(p.BytesPerSecond)}");
        error.Flush();
    };

    /// <summary>The lines <c>copy</c> prints for one target (also used after a backup).</summary>
    internal static string Describe(CopyReport report)
    {
        var text = new System.Text.StringBuilder();
        var target = report.Target.Spec;
        foreach (var partial in report.CleanedPartials)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{target}: {(report.DryRun ? "would delete" : "deleted")} {partial}, left by a cut receive");
        }
        foreach (var sent in report.Sent)
        {
            var how = sent.Parent is { } parent ? $"incremental from {parent}" : "full (no common snapshot)";
            text.AppendLine(report.DryRun
                ? $"{target}: would send {sent.Name}, {how}"
                : $"{target}: sent {sent.Name}, {how}, {ByteSize.Format(sent.Bytes)} ({sent.Bytes.ToString(CultureInfo.InvariantCulture)} bytes) in {sent.Duration.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s");
        }
        foreach (var deleted in report.Deleted)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{target}: {(report.DryRun ? "would delete" : "deleted")} {deleted} (copy retention)");
        }
        foreach (var foreign in report.Foreign)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{target}: {foreign} is not a copy of this backup's snapshot of that name; left alone");
        }
        var summary = report.Error switch
        {
            CopyTargetUnavailableException e => $"{target}: not reachable, skipped: {e.Message}",
            OperationCanceledException => $"{target}: interrupted; the next copy resumes",
            { } e => $"{target}: copy failed: {MessageText.Abbreviate(e.Message)}",
            null when report.DryRun => $"{target}: dry run: {report.Sent.Count} to send, {report.Deleted.Count} to delete; nothing was changed",
            null when report.Sent.Count == 0 && report.Deleted.Count == 0 => $"{target}: up to date ({report.CommonParent ?? "no copies"})",
            null => $"{target}: {report.Sent.Count} sent ({ByteSize.Format(report.BytesSent)}), {report.Deleted.Count} deleted; newest copy {report.CommonParent}",
        };
        text.AppendLine(summary + (report.Missing.Count > 0 && report.Error is null && !report.DryRun ? $"; {report.Missing.Count} still missing" : string.Empty));
        return text.ToString();
    }
}
