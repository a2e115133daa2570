using System.Globalization;
using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Core.Configuration;

namespace SnapshotBackup.Core.Copies;

/// <summary>
/// <c>snapshotbackup copy NAME [--to TARGET] [--dry-run]</c> below the command line: which targets, one
/// <see cref="CopyService"/> run each (the caller holds the source volume's lock), and the report in words.
/// </summary>
public sealed class CopyCommand(CopyService service)
{
    /// <summary>The service of a section with the destinations <see cref="CopyDestinations.Open"/> gives.</summary>
    public static CopyService CreateService(IBtrfsManager btrfs, BackupConfig config, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new CopyService(btrfs, target => CopyDestinations.Open(target, config.Backups, logger), time, logger);
    }

    /// <summary>
    /// The targets of <paramref name="config"/>, or the one <paramref name="to"/> names (as configured, or the same
    /// directory or host:path written otherwise). Throws <see cref="UsageException"/> when the section has no
    /// <c>copy_to</c> or <paramref name="to"/> is not one of them.
    /// </summary>
    public static IReadOnlyList<CopyTarget> SelectTargets(BackupConfig config, string? to)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.CopyTo.Count == 0)
        {
            throw new UsageException($"[{config.Name}] has no copy_to: nothing to copy to");
        }
        if (to is null)
        {
            return config.CopyTo;
        }
        var match = config.CopyTo.FirstOrDefault(t => t.Spec == to)
                    ?? (CopyTarget.TryParse(to, out var parsed, out _) ? config.CopyTo.FirstOrDefault(t => t.Spec == parsed.Spec) : null);
        return match is not null
            ? [match]
            : throw new UsageException($"--to {to} is not a copy_to target of [{config.Name}]; its targets: {string.Join(", ", config.CopyTo.Select(t => t.Spec))}");
    }

    /// <summary>Copies to each selected target in turn; a target that fails does not stop the next.</summary>
    public async Task<IReadOnlyList<CopyReport>> RunAsync(BackupConfig config, string? to, CopyOptions options, CancellationToken cancellationToken)
    {
        var reports = new List<CopyReport>();
        foreach (var target in SelectTargets(config, to))
        {
            reports.Add(await service.CopyAsync(config, target, options, cancellationToken).ConfigureAwait(false));
        }
        return reports;
    }

    /// <summary>The report as lines for a terminal or a log.</summary>
    public static IReadOnlyList<string> Describe(CopyReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var lines = new List<string>();
        foreach (var name in report.CleanedPartials)
        {
            lines.Add($"{report.Target}: {(report.DryRun ? "would delete" : "deleted")} the cut receive {name}");
        }
        foreach (var sent in report.Sent)
        {
            var how = sent.Parent is null ? "in full (no common snapshot)" : $"incrementally from {sent.Parent}";
            lines.Add(report.DryRun
                ? $"{report.Target}: would send {sent.Name} {how}"
                : $"{report.Target}: sent {sent.Name} {how}, {Size(sent.Bytes)} in {sent.Duration.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s");
        }
        foreach (var name in report.Deleted)
        {
            lines.Add($"{report.Target}: {(report.DryRun ? "would delete" : "deleted")} the copy {name} (copy retention)");
        }
        foreach (var name in report.Foreign)
        {
            lines.Add($"{report.Target}: {name} is not a copy of ours: left untouched");
        }
        if (report.Error is { } error)
        {
            lines.Add(error is CopyTargetUnavailableException ? $"{report.Target}: not reachable: {error.Message}" : $"{report.Target}: failed: {error.Message}");
        }
        else if (report.Sent.Count == 0 && report.Deleted.Count == 0 && report.CleanedPartials.Count == 0)
        {
            lines.Add($"{report.Target}: up to date{(report.CommonParent is { } c ? $" (newest copy of {c})" : string.Empty)}");
        }
        if (!report.DryRun && report.Error is null && report.Missing.Count > 0)
        {
            lines.Add($"{report.Target}: {report.Missing.Count} snapshot(s) still missing: {string.Join(", ", report.Missing)}");
        }
        return lines;
    }

    private static string Size(long bytes) =>
        bytes >= 1L << 30 ? $"{(bytes / (double)(1L << 30)).ToString("0.0", CultureInfo.InvariantCulture)} GiB"
        : bytes >= 1L << 20 ? $"{(bytes / (double)(1L << 20)).ToString("0.0", CultureInfo.InvariantCulture)} MiB"
        : $"{bytes} bytes";
}
