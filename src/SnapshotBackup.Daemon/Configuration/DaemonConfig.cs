using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Daemon.Scheduling;

namespace SnapshotBackup.Daemon.Configuration;

/// <summary>One loaded configuration: the sections and each one's parsed schedule. Immutable; reload swaps it.</summary>
internal sealed record DaemonConfig(ConfigSet Set, IReadOnlyDictionary<string, BackupSchedule> Schedules)
{
    /// <summary>Loads and validates every file, schedules included; throws <see cref="ConfigException"/>.</summary>
    public static DaemonConfig Load(IReadOnlyList<string> explicitPaths)
    {
        var set = ConfigLoader.Load(explicitPaths);
        var schedules = new Dictionary<string, BackupSchedule>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, backup) in set.Backups)
        {
            var origin = backup.KeyOrigins.TryGetValue("schedule", out var file) ? file : string.Join(", ", set.Files);
            try
            {
                schedules[name] = ScheduleParser.Parse(backup.Schedule, minInterval: backup.MinInterval);
            }
            catch (FormatException e)
            {
                throw new ConfigException($"{origin}: [{name}] schedule = '{backup.Schedule}': {e.Message}", e);
            }
            // Quartz refuses a trigger that never fires; say so here rather than fail the start or a reload half-way.
            if (schedules[name].NextAfter(DateTimeOffset.Now) is null)
            {
                throw new ConfigException($"{origin}: [{name}] schedule = '{backup.Schedule}': it never fires again");
            }
        }
        return new DaemonConfig(set, schedules) { CopySchedules = ParseCopySchedules(set) };
    }

    /// <summary>The sections whose copies run on a <c>copy_schedule</c> of their own (the others copy after each backup).</summary>
    public IReadOnlyDictionary<string, BackupSchedule> CopySchedules { get; init; } = new Dictionary<string, BackupSchedule>();

    private static Dictionary<string, BackupSchedule> ParseCopySchedules(ConfigSet set)
    {
        var schedules = new Dictionary<string, BackupSchedule>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, backup) in set.Backups)
        {
            if (backup.CopySchedule is not { } text)
            {
                continue;
            }
            var origin = backup.KeyOrigins.TryGetValue("copy_schedule", out var file) ? file : string.Join(", ", set.Files);
            if (backup.CopyTo.Count == 0)
            {
                throw new ConfigException($"{origin}: [{name}] copy_schedule = '{text}': the section has no copy_to to copy to");
            }
            try
            {
                schedules[name] = ScheduleParser.Parse(text);
            }
            catch (FormatException e)
            {
                throw new ConfigException($"{origin}: [{name}] copy_schedule = '{text}': {e.Message}", e);
            }
            if (schedules[name].OnMount)
            {
                throw new ConfigException($"{origin}: [{name}] copy_schedule = '{text}': on-mount is for schedule only; "
                    + "leave copy_schedule out to copy after each backup");
            }
            if (schedules[name].NextAfter(DateTimeOffset.Now) is null)
            {
                throw new ConfigException($"{origin}: [{name}] copy_schedule = '{text}': it never fires again");
            }
        }
        return schedules;
    }

    public BackupConfig? Find(string name) => Set.Backups.TryGetValue(name, out var backup) ? backup : null;
}
