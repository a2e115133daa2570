using System.Globalization;
using System.Text;
using System.Text.Json;
using SnapshotBackup.Core.State;
using SnapshotBackup.Core.Time;

namespace SnapshotBackup.Cli;

/// <summary>The <c>status</c> output: the daemon's state and each section's newest snapshot, for people or as JSON.</summary>
public static class StatusPrinter
{
    private const int LabelWidth = 17;

    /// <summary>True when <paramref name="pid"/> is a live snapshotbackupd.</summary>
    public static bool IsDaemonRunning(int pid)
    {
        try
        {
            return pid > 0 && File.ReadAllText($"/proc/{pid}/cmdline").Contains("snapshotbackupd", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>The state file's sections alone (no configuration).</summary>
    public static string Text(DaemonState? state, bool running, string path, string? only, DateTimeOffset now) =>
        Text(StatusReport.Collect(null, path, state, null, running, only), now);

    public static string Text(StatusReport report, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(report);
        var text = new StringBuilder();
        if (report.StateError is not null)
        {
            text.Append("snapshotbackupd: unknown whether it is running (its state file cannot be read)\n");
        }
        else
        {
            text.Append(report.Running ? $"snapshotbackupd is running (pid {report.State!.Pid})" : "snapshotbackupd is not running");
            if (report.Running && report.State?.Status is { } status)
            {
                text.Append(": ").Append(status);
            }
            text.Append('\n');
            if (report.State is null)
            {
                text.Append($"no state recorded yet ({report.StatePath})\n");
            }
        }
        if (!report.Configured)
        {
            text.Append("no configuration file found: showing the sections in the daemon's state\n");
        }
        foreach (var section in report.Sections)
        {
            Section(text, section, report.Running, report.StateError is not null, now);
        }
        if (report.NotConfigured.Count > 0)
        {
            text.Append("\nno longer configured: ").Append(string.Join(", ", report.NotConfigured)).Append(" (in the daemon's state only)\n");
        }
        return text.ToString();
    }

    private static void Section(StringBuilder text, StatusSection section, bool running, bool stateUnreadable, DateTimeOffset now)
    {
        var s = section.State;
        var header = s?.LastOutcome
            ?? (stateUnreadable ? "the daemon's record cannot be read"
                : section.Newest is null ? "never ran" : "no run recorded by the daemon");
        text.Append('\n').Append(section.Name).Append(": ").Append(header).Append('\n');
        if (s?.LastSuccess is null && section.Newest is { } only)
        {
            var source = stateUnreadable ? "the newest snapshot on the volume" : "the newest snapshot on the volume; not recorded by the daemon";
            Line(text, "last success", only.Time.ToLocalTime(), now, $"{only.Name} ({source})");
        }
        else
        {
            Line(text, "last success", s?.LastSuccess, now, s?.LastSnapshot);
            if (section.NewestUnrecorded && section.Newest is { } newer)
            {
                Line(text, "newest snapshot", newer.Time.ToLocalTime(), now, $"{newer.Name} (not recorded by the daemon: made outside it)");
            }
        }
        Line(text, "last failure", s?.LastFailure, now, s?.LastFailureReason);
        Line(text, "last start", s?.LastStart, now, null);
        if (s?.NextRun is { } next && running)
        {
            Label(text, "next run").Append(next.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)).Append('\n');
        }
        if (section.VolumeProblem is { } problem)
        {
            Label(text, "backups").Append(problem).Append('\n');
        }
        foreach (var (target, record) in section.Copies)
        {
            CopyLine(text, section, target, record, now);
        }
    }

    /// <summary><c>copy /mnt/usb: 2026-12-01 10:00:07 (2 h ago): newest copy X, 2 h behind</c>, or what went wrong.</summary>
    private static void CopyLine(StringBuilder text, StatusSection section, string target, Core.Copies.CopyRecord? record, DateTimeOffset now)
    {
        text.Append("  copy ").Append(target).Append(":\n");
        if (record is null)
        {
            Label(text, "  last copy").Append("never tried\n");
            return;
        }
        if (record.LastCopy is { } last)
        {
            Line(text, "  last copy", last, now, record.NewestCopy is { } newest ? "newest copy " + newest : null);
        }
        else
        {
            Label(text, "  last copy").Append("none complete yet\n");
        }
        var lag = section.Lag(record);
        var behind = lag is { } l && l > TimeSpan.Zero ? $"{AgeFormatter.Format(l)} behind the newest snapshot" : lag is null ? "unknown" : "up to date";
        if (record.Missing > 0)
        {
            behind += $", {record.Missing} snapshot{(record.Missing == 1 ? string.Empty : "s")} to send";
        }
        Label(text, "  behind").Append(behind).Append('\n');
        if (record.LastError is { } error)
        {
            Line(text, "  last attempt", record.LastAttempt, now, error);
        }
    }

    private static StringBuilder Label(StringBuilder text, string label) =>
        text.Append("  ").Append((label + ":").PadRight(LabelWidth));

    private static void Line(StringBuilder text, string label, DateTimeOffset? when, DateTimeOffset now, string? detail)
    {
        if (when is not { } t)
        {
            return;
        }
        Label(text, label).Append(t.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture))
            .Append(" (").Append(AgeFormatter.Format(now - t)).Append(" ago)");
        if (detail is not null)
        {
            text.Append(": ").Append(detail);
        }
        text.Append('\n');
    }

    /// <summary>The state file's sections alone (no configuration).</summary>
    public static string Json(DaemonState? state, bool running, string? only) =>
        Json(StatusReport.Collect(null, string.Empty, state, null, running, only));

    public static string Json(StatusReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteBoolean("daemon_running", report.Running);
            if (report.State is not null && report.Running)
            {
                json.WriteNumber("pid", report.State.Pid);
                json.WriteString("status", report.State.Status);
            }
            json.WriteString("state_file", report.StatePath);
            json.WriteString("state_error", report.StateError);
            json.WriteStartObject("sections");
            foreach (var section in report.Sections)
            {
                Section(json, section, report.Running);
            }
            json.WriteEndObject();
            json.WriteStartArray("not_configured");
            foreach (var name in report.NotConfigured)
            {
                json.WriteStringValue(name);
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static void Section(Utf8JsonWriter json, StatusSection section, bool running)
    {
        var s = section.State;
        json.WriteStartObject(section.Name);
        json.WriteString("last_outcome", s?.LastOutcome);
        Write(json, "last_start", s?.LastStart);
        Write(json, "last_success", s?.LastSuccess);
        json.WriteString("last_snapshot", s?.LastSnapshot);
        Write(json, "last_failure", s?.LastFailure);
        json.WriteString("last_failure_reason", s?.LastFailureReason);
        Write(json, "next_run", running ? s?.NextRun : null);
        json.WriteString("newest_snapshot", section.Newest?.Name);
        Write(json, "newest_snapshot_time", section.Newest?.Time);
        json.WriteString("volume_error", section.VolumeProblem);
        json.WriteStartObject("copies");
        foreach (var (target, record) in section.Copies)
        {
            json.WriteStartObject(target);
            Write(json, "last_copy", record?.LastCopy);
            json.WriteString("newest_copy", record?.NewestCopy);
            Write(json, "last_attempt", record?.LastAttempt);
            Write(json, "last_reachable", record?.LastReachable);
            json.WriteString("last_error", record?.LastError);
            json.WriteNumber("missing", record?.Missing ?? 0);
            if (section.Lag(record) is { } lag)
            {
                json.WriteNumber("lag_seconds", (long)lag.TotalSeconds);
            }
            else
            {
                json.WriteNull("lag_seconds");
            }
            json.WriteEndObject();
        }
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void Write(Utf8JsonWriter json, string name, DateTimeOffset? value)
    {
        if (value is { } v)
        {
            json.WriteString(name, v.ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture));
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
