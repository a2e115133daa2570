using System.Globalization;
using System.Text;
using System.Text.Json;
using SnapshotBackup.Core.State;
using SnapshotBackup.Core.Time;

namespace SnapshotBackup.Cli;

/// <summary>The <c>status</c> output: the daemon's state file, for people or as JSON.</summary>
public static class StatusPrinter
{
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

    public static string Text(DaemonState? state, bool running, string path, string? only, DateTimeOffset now)
    {
        var text = new StringBuilder();
        text.Append(running ? $"snapshotbackupd is running (pid {state!.Pid})" : "snapshotbackupd is not running");
        if (running && state?.Status is { } status)
        {
            text.Append(": ").Append(status);
        }
        text.Append('\n');
        if (state is null)
        {
            return text.Append($"no state recorded yet ({path})\n").ToString();
        }
        foreach (var (name, s) in state.Sections.Where(s => only is null || s.Key == only).OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            text.Append('\n').Append(name).Append(": ").Append(s.LastOutcome ?? "never ran").Append('\n');
            Line(text, "last success", s.LastSuccess, now, s.LastSnapshot);
            Line(text, "last failure", s.LastFailure, now, s.LastFailureReason);
            Line(text, "last start", s.LastStart, now, null);
            if (s.NextRun is { } next && running)
            {
                text.Append("  next run:     ").Append(next.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)).Append('\n');
            }
        }
        return text.ToString();
    }

    private static void Line(StringBuilder text, string label, DateTimeOffset? when, DateTimeOffset now, string? detail)
    {
        if (when is not { } t)
        {
            return;
        }
        text.Append("  ").Append((label + ":").PadRight(14)).Append(t.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture))
            .Append(" (").Append(AgeFormatter.Format(now - t)).Append(" ago)");
        if (detail is not null)
        {
            text.Append(": ").Append(detail);
        }
        text.Append('\n');
    }

    public static string Json(DaemonState? state, bool running, string? only)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteBoolean("daemon_running", running);
            if (state is not null && running)
            {
                json.WriteNumber("pid", state.Pid);
                json.WriteString("status", state.Status);
            }
            json.WriteStartObject("sections");
            foreach (var (name, s) in (state?.Sections ?? []).Where(s => only is null || s.Key == only).OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                json.WriteStartObject(name);
                json.WriteString("last_outcome", s.LastOutcome);
                Write(json, "last_start", s.LastStart);
                Write(json, "last_success", s.LastSuccess);
                json.WriteString("last_snapshot", s.LastSnapshot);
                Write(json, "last_failure", s.LastFailure);
                json.WriteString("last_failure_reason", s.LastFailureReason);
                Write(json, "next_run", running ? s.NextRun : null);
                json.WriteEndObject();
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
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
