using SnapshotBackup.Core;
using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.State;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Cli;

/// <summary>
/// What <c>status</c> shows: the sections of the configuration in effect (each with the daemon's record and the
/// newest snapshot on its volume), or, when no configuration file is found at all, the sections of the state file.
/// </summary>
/// <param name="StateError">Set when the state file exists but is unreadable or corrupt.</param>
/// <param name="Configured">False when no configuration was found and the sections are the state's.</param>
/// <param name="NotConfigured">Sections in the state that the configuration no longer has.</param>
public sealed record StatusReport(
    string StatePath,
    DaemonState? State,
    string? StateError,
    bool Running,
    bool Configured,
    IReadOnlyList<StatusSection> Sections,
    IReadOnlyList<string> NotConfigured)
{
    /// <summary>The report for <paramref name="config"/> (null: none found), limited to <paramref name="only"/> when given.</summary>
    /// <exception cref="ConfigException"><paramref name="only"/> is not a configured section.</exception>
    /// <exception cref="UsageException">Without a configuration: <paramref name="only"/> is not in the state.</exception>
    public static StatusReport Collect(ConfigSet? config, string statePath, DaemonState? state, string? stateError, bool running, string? only)
    {
        var recorded = state?.Sections ?? [];
        if (config is null)
        {
            if (only is not null && !recorded.ContainsKey(only))
            {
                throw new UsageException($"no state for a backup named '{only}' in {statePath}" +
                    (state is null ? " (the daemon has not run yet)" : $" (known: {string.Join(", ", recorded.Keys)})"));
            }
            var fromState = recorded.Where(s => only is null || s.Key == only).OrderBy(s => s.Key, StringComparer.Ordinal)
                .Select(s => new StatusSection(s.Key, s.Value, null, null)).ToList();
            return new StatusReport(statePath, state, stateError, running, false, fromState, []);
        }
        var configs = only is null
            ? config.Backups.Values.OrderBy(b => b.Name, StringComparer.Ordinal).ToList()
            : [config.Get(only)];
        var sections = configs.Select(c => Section(c, recorded.GetValueOrDefault(c.Name))).ToList();
        var notConfigured = only is null
            ? recorded.Keys.Where(k => !config.Backups.ContainsKey(k)).Order(StringComparer.Ordinal).ToList()
            : [];
        return new StatusReport(statePath, state, stateError, running, true, sections, notConfigured);
    }

    private static StatusSection Section(BackupConfig config, SectionState? state)
    {
        var volume = new BackupVolume(config.Backups, BtrfsManager.Instance);
        try
        {
            volume.EnsureAvailable(config.Name);
            return new StatusSection(config.Name, state, volume.List().Newest, null) { Copies = Copies(config) };
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new StatusSection(config.Name, state, null, e.Message) { Copies = Copies(config) };
        }
    }

    private static List<(string, Core.Copies.CopyRecord?)> Copies(BackupConfig config)
    {
        if (config.CopyTo.Count == 0)
        {
            return [];
        }
        var records = new Core.Copies.CopyRecords(config.Backups).Read();
        return config.CopyTo.Select(t => (t.Spec, records.GetValueOrDefault(t.Spec))).ToList();
    }
}
