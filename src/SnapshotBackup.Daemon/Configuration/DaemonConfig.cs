using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Daemon.Scheduling;

namespace SnapshotBackup.Daemon.Configuration;

/// <summary>One loaded configuration: the sections and each one's parsed schedule. Immutable; reload swaps it.</summary>
internal sealed record DaemonConfig(ConfigSet Set, IReadOnlyDictionary<string, BackupSchedule> Schedules)
{
    /// <summary>Loads and validates every file, schedules included; throws <see cref="ConfigException"/>.</summary>
    public static DaemonConfig Load(string? explicitPath)
    {
        var set = ConfigLoader.Load(explicitPath);
        var schedules = new Dictionary<string, BackupSchedule>(StringComparer.Ordinal);
        foreach (var (name, backup) in set.Backups)
        {
            try
            {
                schedules[name] = ScheduleParser.Parse(backup.Schedule);
            }
            catch (FormatException e)
            {
                var origin = backup.KeyOrigins.TryGetValue("schedule", out var file) ? file : string.Join(", ", set.Files);
                throw new ConfigException($"{origin}: [{name}] schedule = '{backup.Schedule}': {e.Message}", e);
            }
        }
        return new DaemonConfig(set, schedules);
    }

    public BackupConfig? Find(string name) => Set.Backups.TryGetValue(name, out var backup) ? backup : null;
}
