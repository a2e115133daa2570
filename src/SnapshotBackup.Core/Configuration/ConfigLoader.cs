namespace SnapshotBackup.Core.Configuration;

/// <summary>Finds and reads the INI files (Microsoft.Extensions.Configuration.Ini) with configparser's [DEFAULT] semantics.</summary>
public static class ConfigLoader
{
    public const string FileName = "snapshotbackup.ini";
    public const string DropInDirectoryName = "snapshotbackup.d";

    /// <summary>
    /// The files to read: <paramref name="explicitPath"/> alone when given; otherwise $XDG_CONFIG_HOME/snapshotbackup.ini
    /// (or ~/.config/...) when it exists, then /etc/snapshotbackup.ini and /etc/snapshotbackup.d/*.ini in lexical order.
    /// </summary>
    /// <param name="etcDirectory">"/etc", replaceable for tests.</param>
    /// <exception cref="ConfigException"><paramref name="explicitPath"/> is given but does not exist.</exception>
    public static (IReadOnlyList<string> Files, IReadOnlyList<string> Searched) Locate(
        string? explicitPath, Func<string, string?> getEnvironment, string etcDirectory = "/etc")
    {
        ArgumentNullException.ThrowIfNull(getEnvironment);
        if (!string.IsNullOrEmpty(explicitPath))
        {
            return File.Exists(explicitPath)
                ? ([explicitPath], [explicitPath])
                : throw new ConfigException($"config file {explicitPath} not found");
        }

        var files = new List<string>();
        var searched = new List<string>();
        var configHome = getEnvironment("XDG_CONFIG_HOME");
        if (string.IsNullOrEmpty(configHome) && getEnvironment("HOME") is { Length: > 0 } home)
        {
            configHome = Path.Combine(home, ".config");
        }
        if (!string.IsNullOrEmpty(configHome))
        {
            Consider(Path.Combine(configHome, FileName));
        }
        Consider(Path.Combine(etcDirectory, FileName));

        var dropIns = Path.Combine(etcDirectory, DropInDirectoryName);
        searched.Add(Path.Combine(dropIns, "*.ini"));
        if (Directory.Exists(dropIns))
        {
            files.AddRange(Directory.GetFiles(dropIns, "*.ini")
                .Where(f => f.EndsWith(".ini", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal));
        }
        return (files, searched);

        void Consider(string path)
        {
            searched.Add(path);
            if (File.Exists(path))
            {
                files.Add(path);
            }
        }
    }

    /// <summary>Reads and validates; throws <see cref="ConfigException"/> naming file, section, key and value.</summary>
    public static ConfigSet Load(IReadOnlyList<string> files, IReadOnlyList<string> searched)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(searched);
        if (files.Count == 0)
        {
            throw new ConfigException($"no config file found; looked at {string.Join(", ", searched)}");
        }
        return new ConfigReader([.. files.Select(IniFile.Read)]).Read(files, searched);
    }

    /// <summary>Locate + Load.</summary>
    public static ConfigSet Load(string? explicitPath)
    {
        var (files, searched) = Locate(explicitPath, Environment.GetEnvironmentVariable);
        return Load(files, searched);
    }
}
