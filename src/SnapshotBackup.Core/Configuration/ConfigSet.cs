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
    /// <summary>The named backup, or a <see cref="ConfigException"/> that lists the sections and the files read.</summary>
    public BackupConfig Get(string name) => throw new NotImplementedException();
}
