using SnapshotBackup.Core;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Engine;
using SnapshotBackup.Core.Time;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Cli;

/// <summary>
/// <c>snapshotbackup plan NAME [--json] [--at WHEN]</c>: the retention policy explained for every snapshot (see
/// <see cref="Core.Retention.RetentionPlan"/>), as of now or of WHEN: a past time as restore reads it, or a future one
/// (<c>in 3 months</c>, <c>2027-06-01</c>). Reads the volume only; exit 0, 1 when the volume or the pins cannot be read.
/// </summary>
internal sealed class PlanCommand(CliArguments arguments, BackupEngine engine, TextWriter output, TimeProvider time)
{
    public async Task<int> RunAsync(BackupConfig config)
    {
        if (arguments.Paths.Count > 0)
        {
            throw new UsageException($"'plan' takes only the backup name; '{arguments.Paths[0]}' is one argument too many");
        }
        var at = arguments.At is { } when ? ParseAt(when, time.GetLocalNow(), time.LocalTimeZone) : (DateTimeOffset?)null;
        var report = engine.Retention.Plan(config, at);
        await output.WriteAsync(arguments.Json ? PlanPrinter.Json(report) : PlanPrinter.Text(report));
        return ExitCodes.Ok;
    }

    /// <summary>
    /// WHEN for plan: <c>in SPAN</c> (or <c>SPAN from now</c>) for a future moment, the first at which now lies SPAN back;
    /// else what <see cref="SnapshotSelector.ParseWhen"/> reads (a date, a date and time, a span back from now).
    /// </summary>
    public static DateTimeOffset ParseAt(string when, DateTimeOffset now, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(when);
        var text = when.Trim();
        var future = text.StartsWith("in ", StringComparison.OrdinalIgnoreCase) ? text[3..]
            : text.EndsWith(" from now", StringComparison.OrdinalIgnoreCase) ? text[..^9]
            : null;
        if (future is not null)
        {
            if (!Duration.TryParse(future, out var span, out var error))
            {
                throw new UsageException($"--at {when}: {error}");
            }
            // The last moment at which now is still within the span back: now plus the span, on the wall clock.
            return span.Expiry(now, zone) ?? throw new UsageException($"--at {when}: beyond the year 9999");
        }
        try
        {
            return SnapshotSelector.ParseWhen(text, now, zone);
        }
        catch (UsageException)
        {
            throw new UsageException(
                $"--at {when}: expected a time: a date (2027-06-01, midnight at its start), a date and time (2027-06-01T18:00), " +
                "a future span ('in 3 months', '2 weeks from now') or a span back from now ('2 days ago')");
        }
    }
}
