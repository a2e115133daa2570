using SnapshotBackup.Core.Configuration.ConfigParser;
using static SnapshotBackup.Core.Configuration.ConfigKeys;

namespace SnapshotBackup.Core.Configuration;

/// <summary>
/// Merges the files like configparser reading them in order: a later file overrides key by key; a section's own key,
/// in any file, wins over [DEFAULT]; among [DEFAULT]s the later file wins. Then checks every value.
/// </summary>
/// <param name="workingDirectory">What relative <c>source</c> and <c>backups</c> are resolved against; null refuses them.</param>
internal sealed class ConfigReader(IReadOnlyList<IniFile> files, string? workingDirectory)
{
    private static readonly BackupConfig BuiltIn = new() { Name = "", Source = "", Backups = "" };

    private readonly List<string> warnings = [];
    // Keys whose value means something else here than in snapshotbackup 0.0.16 that were already noted: once a key.
    private readonly HashSet<string> differenceNoted = new(StringComparer.Ordinal);
    private bool percentNoted;

    public ConfigSet Read(IReadOnlyList<string> paths, IReadOnlyList<string> searched)
    {
        // Backup name (as first written) -> the last file that has its section.
        var sections = new OrderedDictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var firstHeaders = new Dictionary<string, (string File, IniHeader Header)>(StringComparer.OrdinalIgnoreCase);
        var defaults = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            foreach (var header in file.Headers.Where(h => !IsDefault(h.Section)))
            {
                var section = header.Section;
                if (!BackupName.IsValid(section))
                {
                    throw new ConfigException($"{file.Path}: [{section}] is not a valid backup name: {BackupName.Rule}");
                }
                if (firstHeaders.TryGetValue(section, out var first) && first.Header.Section != section)
                {
                    throw new ConfigException(
                        $"{file.Path}:{header.Line}: [{section}] and [{first.Header.Section}] ({first.File}:{first.Header.Line}) " +
                        "differ only in case, and backup names are not case-sensitive; spell both the same way or rename one");
                }
                firstHeaders.TryAdd(section, (file.Path, header));
                sections[section] = file.Path;
            }
            foreach (var option in file.Options)
            {
                if (!Known.Contains(option.Key))
                {
                    warnings.Add($"{file.Path}: [{option.Section}] unknown key '{option.Key}' ignored");
                }
                else if (IsDefaultOnly(option.Key) && !IsDefault(option.Section))
                {
                    warnings.Add($"{file.Path}: [{option.Section}] {option.Key} is only read from [{DefaultSection}]; ignored here");
                }
                if (IsDefault(option.Section))
                {
                    defaults[option.Key] = ConfigValues.StripQuotes(option.Value);
                }
            }
        }

        foreach (var key in defaults.Keys.Where(Known.Contains))
        {
            Check(Find(DefaultSection, key)!, workingDirectory);
        }
        var maxConcurrent = Find(DefaultSection, MaxConcurrent) is { } m ? ParseMaxConcurrent(m) : 2;
        var metricsDir = Find(DefaultSection, MetricsDir) is { } metrics ? ParseMetricsDir(metrics) : null;

        var backups = new OrderedDictionary<string, BackupConfig>(StringComparer.OrdinalIgnoreCase);
        var volumes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, lastFile) in sections)
        {
            try
            {
                backups[name] = Build(name, lastFile, volumes);
            }
            catch (ConfigException e) when (name.Equals(DefaultSection, StringComparison.OrdinalIgnoreCase))
            {
                throw new ConfigException(
                    $"{e.Message} (defaults go in [{DefaultSection}], in capitals; [{name}] is an ordinary backup section)", e);
            }
        }
        if (backups.Count == 0)
        {
            warnings.Add($"no backups configured in {string.Join(", ", paths)}");
        }
        return new ConfigSet(paths, searched, backups, defaults, warnings) { MaxConcurrent = maxConcurrent, MetricsDir = metricsDir };
    }

    /// <summary>The path of <paramref name="path"/> relative to <paramref name="root"/> with a leading '/', or null when outside.</summary>
    private static string? IsInside(string path, string root) =>
        root == "/" ? path : path.StartsWith(root + "/", StringComparison.Ordinal) ? path[root.Length..] : null;

    private BackupConfig Build(string name, string lastFile, Dictionary<string, string> volumes)
    {
        var backup = Parse(name, lastFile);
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
        return backup;
    }

    private BackupConfig Parse(string name, string lastFile)
    {
        var origins = new Dictionary<string, string>(StringComparer.Ordinal);
        var source = Get(Source) ?? throw Missing(Source);
        var backups = Get(Backups) ?? throw Missing(Backups);
        return new BackupConfig
        {
            Name = name,
            Source = ParseSource(source, workingDirectory),
            Backups = ParseBackups(backups, workingDirectory),
            Ignore = Get(Ignore) is { } ignore ? NoteIgnore(ignore, ParseIgnore(ignore)) : BuiltIn.Ignore,
            RetainAll = Get(RetainAll) is { } retainAll ? ParseRetentionPeriod(retainAll) : BuiltIn.RetainAll,
            RetainDaily = Get(RetainDaily) is { } retainDaily ? ParseRetentionPeriod(retainDaily) : BuiltIn.RetainDaily,
            RetainWeekly = Get(RetainWeekly) is { } retainWeekly ? ParseRetentionPeriod(retainWeekly) : BuiltIn.RetainWeekly,
            RetainMonthly = Get(RetainMonthly) is { } retainMonthly ? ParseRetentionPeriod(retainMonthly) : BuiltIn.RetainMonthly,
            RetainYearly = Get(RetainYearly) is { } retainYearly ? ParseRetentionPeriod(retainYearly) : BuiltIn.RetainYearly,
            Decay = Get(Decay) is { } decay ? ParseDuration(decay) : BuiltIn.Decay,
            AutoPrune = Get(AutoPrune) is { } autoPrune && NoteBoolean(autoPrune),
            AutoDecay = Get(AutoDecay) is { } autoDecay && NoteBoolean(autoDecay),
            NotifyRemote = Get(NotifyRemote) is { } remote ? ParseNotifyRemote(remote) : BuiltIn.NotifyRemote,
            NotifyUser = Get(NotifyUser) is { } user ? ParseNotifyUser(user) : BuiltIn.NotifyUser,
            SilentFailThreshold = Get(SilentFailThreshold) is { } threshold
                ? ParseDuration(threshold)
                : BuiltIn.SilentFailThreshold,
            Schedule = Get(Schedule) is { Value.Length: > 0 } schedule ? schedule.Value : BuiltIn.Schedule,
            AllowEmptySource = Get(AllowEmptySource) is { } allowEmpty && ConfigValues.IsTrue(allowEmpty.Value),
            CopyTo = Get(CopyTo) is { } copyTo ? ParseCopyTo(copyTo) : [],
            CopyRetainAll = Get(CopyRetainAll) is { } copyRetainAll ? ParseRetentionPeriod(copyRetainAll) : null,
            CopyRetainDaily = Get(CopyRetainDaily) is { } copyRetainDaily ? ParseRetentionPeriod(copyRetainDaily) : null,
            CopyDecay = Get(CopyDecay) is { } copyDecay ? ParseDuration(copyDecay) : null,
            CopySchedule = Get(CopySchedule) is { Value.Length: > 0 } copySchedule ? copySchedule.Value : null,
            Hooks = new HookCommands
            {
                BeforeBackup = Get(BeforeBackup) is { } beforeBackup ? ParseHook(beforeBackup) : null,
                AfterBackup = Get(AfterBackup) is { } afterBackup ? ParseHook(afterBackup) : null,
                OnFailure = Get(OnFailure) is { } onFailure ? ParseHook(onFailure) : null,
                BeforePrune = Get(BeforePrune) is { } beforePrune ? ParseHook(beforePrune) : null,
                AfterPrune = Get(AfterPrune) is { } afterPrune ? ParseHook(afterPrune) : null,
                Timeout = Get(HookTimeout) is { } hookTimeout ? ParseHookTimeout(hookTimeout) : HookCommands.DefaultTimeout,
            },
            PingUrl = Get(PingUrl) is { } pingUrl ? ParsePingUrl(pingUrl) : null,
            MinFree = Get(MinFree) is { } minFree ? ParseMinFree(minFree) : null,
            MinInterval = Get(MinInterval) is { } minInterval ? ParseMinInterval(minInterval) : BuiltIn.MinInterval,
            FullScanEvery = Get(FullScanEvery) is { } fullScanEvery ? ParseFullScanEvery(fullScanEvery) : BuiltIn.FullScanEvery,
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
            if (files[i].Find(section, key) is { } option)
            {
                return Interpret(files[i].Path, option);
            }
        }
        return null;
    }

    /// <summary>
    /// Our reading of a configparser value: one line (except <c>ignore</c> and the hooks, taken as written), trimmed, quotes removed. Where that differs
    /// from what configparser would hand the original tool, the first such value says so in a warning.
    /// </summary>
    private Setting Interpret(string file, IniOption option)
    {
        var raw = option.Value;
        var where = $"{file}:{option.Line}: [{option.Section}] {option.Key}";
        // A ping URL holds a secret token: a warning names it only redacted.
        var shown = option.Key == PingUrl ? Pings.PingUrls.RedactText(raw.Trim()) : raw;
        // min_free = 10% means a percentage; the original never read min_free, so its interpolation does not matter there.
        if (raw.Contains('%', StringComparison.Ordinal) && !percentNoted && option.Key != MinFree)
        {
            percentNoted = true;
            warnings.Add($"{where} = {shown}: '%' is taken literally here and in every other value " +
                         "(configparser's interpolation would expand %(name)s and %%)");
        }
        if (option.Key == Ignore || IsHook(option.Key))
        {
            return new Setting(file, option.Line, option.Section, option.Key, raw, raw);
        }
        if (raw.Contains('\n', StringComparison.Ordinal))
        {
            throw new ConfigException(
                $"{where} spans several lines (a line indented deeper than its key continues the value); only '{Ignore}' and the hook commands may");
        }
        var value = ConfigValues.StripQuotes(raw);
        // Durations: the original's own example quotes them and dateparser read them quoted. Booleans: NoteBoolean says
        // when the quotes change the meaning.
        if (value.Length != raw.Trim().Length && !IsDuration(option.Key) && option.Key is not (AutoPrune or AutoDecay or AllowEmptySource or HookTimeout or MinInterval or FullScanEvery))
        {
            NoteDifference(option.Key, $"{where} = {shown}: the quotes are removed here " +
                                       "(configparser, and so snapshotbackup 0.0.16, keeps them as part of the value)");
        }
        return new Setting(file, option.Line, option.Section, option.Key, value, raw);
    }

    /// <summary>
    /// A boolean as read here (quotes removed) and, when that differs from what snapshotbackup 0.0.16 made of the raw
    /// value (exactly 1, true or True, quotes included, so <c>'true'</c> was false), a warning naming the key.
    /// </summary>
    private bool NoteBoolean(Setting setting)
    {
        var here = ConfigValues.IsTrue(setting.Value);
        if (here != ConfigValues.IsTrue(setting.Raw.Trim()))
        {
            NoteDifference(setting.Key,
                $"{setting.File}:{setting.Line}: [{setting.Section}] {setting.Key} = {setting.Raw.Trim()}: " +
                $"{(here ? "true" : "false")} here, but snapshotbackup 0.0.16 read it as {(here ? "false" : "true")} " +
                $"(it kept the quotes){(here ? $"; {setting.Key} now runs where it did not before" : "")}");
        }
        return here;
    }

    /// <summary>The ignore list as read here, with a warning naming the key when the original split it differently (at every comma).</summary>
    private IReadOnlyList<string> NoteIgnore(Setting setting, IReadOnlyList<string> here)
    {
        var raw = setting.Raw.Length > 1 && setting.Raw[0] == '\'' && setting.Raw[^1] == '\'' ? setting.Raw[1..^1] : setting.Raw;
        var original = raw.Split(',').Select(p => p.Trim()).Where(p => p.Length > 0).ToList();
        if (!original.SequenceEqual(here, StringComparer.Ordinal))
        {
            NoteDifference(setting.Key,
                $"{setting.File}:{setting.Line}: [{setting.Section}] {setting.Key} = {setting.Raw.Trim().ReplaceLineEndings(" ")}: " +
                $"excluded here as {Show(here)}; snapshotbackup 0.0.16 split it at every comma into {Show(original)}");
        }
        return here;

        static string Show(IEnumerable<string> items) => "[" + string.Join(", ", items.Select(i => $"'{i.ReplaceLineEndings("\\n")}'")) + "]";
    }

    private void NoteDifference(string key, string warning)
    {
        if (differenceNoted.Add(key))
        {
            warnings.Add(warning);
        }
    }
}
