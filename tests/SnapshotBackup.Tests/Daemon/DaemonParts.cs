using Microsoft.Extensions.Logging.Abstractions;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.State;
using SnapshotBackup.Daemon.Configuration;
using SnapshotBackup.Daemon.Hosting;
using SnapshotBackup.Daemon.Scheduling;
using SnapshotBackup.Daemon.State;

namespace SnapshotBackup.Tests.Daemon;

/// <summary>
/// The daemon's in-memory parts for fast job and registrar tests: a configuration of hourly sections, a state store on a
/// temp file, and a status reporter whose sd_notify lines are kept in <see cref="Notified"/>. Dispose to remove the file.
/// </summary>
internal sealed class DaemonParts : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("snapshotbackup-parts-").FullName;

    public DaemonParts(TimeProvider time, params string[] sections)
    {
        Configs = new ConfigStore(Config(sections), []);
        State = new StateStore(new StateFile(Path.Combine(_directory, "state.json")), time, NullLogger<StateStore>.Instance);
        Status = new StatusReporter(_notify, State);
    }

    private readonly RecordingSystemdNotify _notify = new();

    /// <summary>The sd_notify lines sent so far.</summary>
    public List<string> Notified => _notify.Sent;

    public ConfigStore Configs { get; }

    public StateStore State { get; }

    public StatusReporter Status { get; }

    public VolumeAvailability Volumes { get; } = new();

    /// <summary>Hourly sections backing up <c>/src/NAME</c> into <c>/nonexistent/NAME</c>.</summary>
    public static DaemonConfig Config(params string[] sections)
    {
        var backups = sections.ToDictionary(
            s => s,
            s => new BackupConfig { Name = s, Source = "/src/" + s, Backups = "/nonexistent/" + s },
            StringComparer.OrdinalIgnoreCase);
        var schedules = sections.ToDictionary(s => s, _ => BackupSchedule.Every(TimeSpan.FromHours(1), "hourly"), StringComparer.OrdinalIgnoreCase);
        return new DaemonConfig(new ConfigSet([], [], backups, new Dictionary<string, string>(), []), schedules);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
