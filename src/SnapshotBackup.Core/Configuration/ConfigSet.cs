namespace SnapshotBackup.Core.Configuration;

/// <summary>Everything read from the configuration files.</summary>
/// <param name="Files">The files read, in order.</param>
/// <param name="Searched">Every path looked at (for "not found" messages).</param>
/// <param name="Backups">Sections by name, in file order.</param>
/// <param name="Defaults">The merged [DEFAULT] section (keys lower case).</param>
/// <param name="Warnings">Unknown keys and similar, each naming the file and key.</param>
public sealed record ConfigSet(
    IReadOnlyList<string> Files,
    IReadOnlyList<string> Searched,
    IReadOnlyDictionary<string, BackupConfig> Backups,
    IReadOnlyDictionary<string, string> Defaults,
    IReadOnlyList<string> Warnings)
{
    /// <summary>How many backups may run at once: <c>max_concurrent</c> in [DEFAULT], default 2.</summary>
    public int MaxConcurrent { get; init; } = 2;

    /// <summary>
    /// Where <c>snapshotbackup.prom</c> is written after every run (<c>metrics_dir</c> in [DEFAULT], e.g. node_exporter's
    /// textfile directory); null when off.
    /// </summary>
    public string? MetricsDir { get; init; }

    /// <summary>The named backup, or a <see cref="ConfigException"/> that lists the sections and the files read.</summary>
    public BackupConfig Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!BackupName.IsValid(name))
        {
            throw new ConfigException(BackupName.Problem(name));
        }
        if (Backups.TryGetValue(name, out var backup))
        {
            return backup;
        }
        var files = Files.Count == 0 ? "no config file" : string.Join(", ", Files);
        var sections = Backups.Count == 0 ? "none" : string.Join(", ", Backups.Keys);
        throw new ConfigException($"no backup named '{name}' in {files} (sections: {sections})");
    }
}
