using static SnapshotBackup.Core.Configuration.ConfigKeys;

namespace SnapshotBackup.Core.Configuration;

/// <summary>
/// Merges the files like configparser reading them in order: a later file overrides key by key; a section's own key,
/// in any file, wins over [DEFAULT]; among [DEFAULT]s the later file wins.
/// </summary>
internal sealed class ConfigReader(IReadOnlyList<IniFile> files)
{
    private static readonly BackupConfig BuiltIn = new() { Name = "", Source = "", Backups = "" };

    public ConfigSet Read(IReadOnlyList<string> paths, IReadOnlyList<string> searched)
    {
        var warnings = new List<string>();
        // Backup name (as first written) -> the last file that has its section.
        var sections = new OrderedDictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var defaults = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            foreach (var section in file.Sections.Where(s => !IsDefault(s)))
            {
                if (!BackupName.IsValid(section))
                {
                    throw new ConfigException($"{file.Path}: [{section}] is not a valid backup name: {BackupName.Rule}");
                }
                sections[section] = file.Path;
            }
            foreach (var (section, key) in file.Entries)
            {
                if (section.Length == 0)
                {
                    throw new ConfigException(
                        $"{file.Path}: '{key}' is outside any section; put it under [{DefaultSection}] or a [backup name] header");
                }
                if (!Known.Contains(key))
                {
                    warnings.Add($"{file.Path}: [{section}] unknown key '{key}' ignored");
                }
                else if (key.Equals(MaxConcurrent, StringComparison.OrdinalIgnoreCase) && !IsDefault(section))
                {
                    warnings.Add($"{file.Path}: [{section}] {MaxConcurrent} is only read from [{DefaultSection}]; ignored here");
                }
                if (IsDefault(section) && file.TryGet(section, key, out var value))
                {
                    defaults[key.ToLowerInvariant()] = value;
                }
            }
        }

        foreach (var key in defaults.Keys.Where(Known.Contains))
        {
            Check(Find(DefaultSection, key)!);
        }
        var maxConcurrent = Find(DefaultSection, MaxConcurrent) is { } m ? ParseMaxConcurrent(m) : 2;

        var backups = new OrderedDictionary<string, BackupConfig>(StringComparer.OrdinalIgnoreCase);
        var volumes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, lastFile) in sections)
        {
            var backup = Build(name, lastFile);
            // One volume per backup: two sources in one .sync would mix their snapshots and prune one for the other.
            var volume = Path.TrimEndingDirectorySeparator(Path.GetFullPath(backup.Backups));
            if (volumes.TryGetValue(volume, out var other))
            {
                throw new ConfigException(
                    $"{backup.KeyOrigins.GetValueOrDefault(Backups, lastFile)}: [{name}] backups = {backup.Backups}: [{other}] already backs up into it; give each backup its own directory");
            }
            volumes[volume] = name;
            if (!backup.IsRemoteSource && IsInside(volume, Path.TrimEndingDirectorySeparator(Path.GetFullPath(backup.Source))) is { } relative
                && !backup.Ignore.Any(i => relative.StartsWith(i.TrimEnd('/'), StringComparison.Ordinal)))
            {
                warnings.Add($"{backup.KeyOrigins.GetValueOrDefault(Backups, lastFile)}: [{name}] backups {backup.Backups} lies inside its source " +
                             $"{backup.Source}; add 'ignore = {relative}' or every backup copies the earlier ones");
            }
            backups[name] = backup;
        }
        if (backups.Count == 0)
        {
            warnings.Add($"no backups configured in {string.Join(", ", paths)}");
        }
        return new ConfigSet(paths, searched, backups, defaults, warnings) { MaxConcurrent = maxConcurrent };
    }

    /// <summary>The path of <paramref name="path"/> relative to <paramref name="root"/> with a leading '/', or null when outside.</summary>
    private static string? IsInside(string path, string root) =>
        root == "/" ? path : path.StartsWith(root + "/", StringComparison.Ordinal) ? path[root.Length..] : null;

    private BackupConfig Build(string name, string lastFile)
    {
        var origins = new Dictionary<string, string>(StringComparer.Ordinal);
        var source = Get(Source) ?? throw Missing(Source);
        var backups = Get(Backups) ?? throw Missing(Backups);
        return new BackupConfig
        {
            Name = name,
            Source = ParseSource(source),
            Backups = ParseBackups(backups),
            Ignore = Get(Ignore) is { } ignore ? ParseIgnore(ignore) : BuiltIn.Ignore,
            RetainAll = Get(RetainAll) is { } retainAll ? ParseDuration(retainAll) : BuiltIn.RetainAll,
            RetainDaily = Get(RetainDaily) is { } retainDaily ? ParseDuration(retainDaily) : BuiltIn.RetainDaily,
            Decay = Get(Decay) is { } decay ? ParseDuration(decay) : BuiltIn.Decay,
            AutoPrune = Get(AutoPrune) is { } autoPrune && ConfigValues.IsTrue(autoPrune.Value),
            AutoDecay = Get(AutoDecay) is { } autoDecay && ConfigValues.IsTrue(autoDecay.Value),
            NotifyRemote = Get(NotifyRemote) is { } remote ? ParseNotifyRemote(remote) : BuiltIn.NotifyRemote,
            NotifyUser = Get(NotifyUser) is { } user ? ParseNotifyUser(user) : BuiltIn.NotifyUser,
            SilentFailThreshold = Get(SilentFailThreshold) is { } threshold
                ? ParseDuration(threshold)
                : BuiltIn.SilentFailThreshold,
            Schedule = Get(Schedule) is { Value.Length: > 0 } schedule ? schedule.Value : BuiltIn.Schedule,
            AllowEmptySource = Get(AllowEmptySource) is { } allowEmpty && ConfigValues.IsTrue(allowEmpty.Value),
            KeyOrigins = origins,
        };

        Setting? Get(string key)
        {
            var setting = Find(name, key) ?? Find(DefaultSection, key);
            if (setting is not null)
            {
                origins[key] = setting.File;
            }
            return setting;
        }

        ConfigException Missing(string key) => new($"{lastFile}: [{name}] has no '{key}' key");
    }

    /// <summary>The value of <paramref name="key"/> in <paramref name="section"/> from the last file that sets it.</summary>
    private Setting? Find(string section, string key)
    {
        for (var i = files.Count - 1; i >= 0; i--)
        {
            var file = files[i];
            if (file.TryGet(section, key, out var value))
            {
                return new Setting(file.Path, section, key, value, file.Raw(section, key) ?? value);
            }
        }
        return null;
    }
}
