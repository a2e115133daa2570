using System.Globalization;
using Microsoft.Extensions.Hosting.Systemd;
using SnapshotBackup.Daemon.State;
using SnapshotBackup.Daemon.Systemd;

namespace SnapshotBackup.Daemon.Hosting;

/// <summary>
/// Tells a person what the daemon does now, through <c>STATUS=</c> (shown by <c>systemctl status</c>) and the state
/// file: <c>backing up data1 (42%)</c>, or <c>idle; next: data1 at 14:01</c>.
/// </summary>
internal sealed class StatusReporter(ISystemdNotifier notify, StateStore state)
{
    private readonly Dictionary<string, string?> _running = new(StringComparer.Ordinal);
    private (string Name, DateTimeOffset At)? _next;
    private string? _last;
    private bool _stopping;

    public void Started(string name, string activity = "backing up")
    {
        lock (_running)
        {
            _running[activity + " " + name] = null;
        }
        Publish();
    }

    public void Progress(string name, int percent) =>
        Detail(name, "backing up", percent.ToString(CultureInfo.InvariantCulture) + "%");

    /// <summary>A copy's progress: <c>copying data1 (2026-12-01T10:00:00+00:00 1/3: 1.20 GiB, 85.2 MiB/s)</c>.</summary>
    public void CopyProgress(string name, string activity, Core.Copies.CopyProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        Detail(name, activity,
            $"copy {progress.Snapshot} {progress.Index}/{progress.Count}: {Core.Copies.ByteSize.Format(progress.Bytes)}, {Core.Copies.ByteSize.Rate(progress.BytesPerSecond)}");
    }

    /// <summary>What a running activity is at, shown in brackets after it.</summary>
    public void Detail(string name, string activity, string detail)
    {
        lock (_running)
        {
            var key = activity + " " + name;
            if (_running.TryGetValue(key, out var old) && old == detail)
            {
                return;
            }
            _running[key] = detail;
        }
        Publish();
    }

    public void Finished(string name, string activity = "backing up")
    {
        lock (_running)
        {
            _running.Remove(activity + " " + name);
        }
        Publish();
    }

    public void SetNext((string Name, DateTimeOffset At)? next)
    {
        lock (_running)
        {
            _next = next;
        }
        Publish();
    }

    /// <summary>From now on the status stays <c>stopping</c>, whatever the jobs that return during the stop report.</summary>
    public void Stopping()
    {
        lock (_running)
        {
            _stopping = true;
        }
        Publish();
    }

    public string Compose()
    {
        lock (_running)
        {
            if (_stopping)
            {
                return "stopping";
            }
            if (_running.Count > 0)
            {
                return string.Join(", ", _running.OrderBy(r => r.Key, StringComparer.Ordinal)
                    .Select(r => r.Value is { } detail ? $"{r.Key} ({detail})" : r.Key));
            }
            return _next is { } next
                ? $"idle; next: {next.Name} at {next.At.ToLocalTime().ToString("HH:mm", CultureInfo.InvariantCulture)}"
                : "idle; nothing scheduled";
        }
    }

    private void Publish()
    {
        var text = Compose();
        lock (_running)
        {
            if (text == _last)
            {
                return;
            }
            _last = text;
        }
        notify.Notify(SystemdStates.Status(text));
        state.SetStatus(text);
    }
}
