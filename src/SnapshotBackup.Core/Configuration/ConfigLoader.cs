namespace SnapshotBackup.Core.Configuration;

/// <summary>Finds and reads the INI files (Microsoft.Extensions.Configuration.Ini) with configparser's [DEFAULT] semantics.</summary>
public static class ConfigLoader
{
    /// <summary>
    /// The files to read: <paramref name="explicitPath"/> alone when given; otherwise $XDG_CONFIG_HOME/snapshotbackup.ini
    /// (or ~/.config/...) when it exists, then /etc/snapshotbackup.ini and /etc/snapshotbackup.d/*.ini in lexical order.
    /// </summary>
    /// <param name="etcDirectory">"/etc", replaceable for tests.</param>
    public static (IReadOnlyList<string> Files, IReadOnlyList<string> Searched) Locate(
        string? explicitPath, Func<string, string?> getEnvironment, string etcDirectory = "/etc") =>
        throw new NotImplementedException();

    /// <summary>Reads and validates; throws <see cref="ConfigException"/> naming file, section, key and value.</summary>
    public static ConfigSet Load(IReadOnlyList<string> files, IReadOnlyList<string> searched) =>
        throw new NotImplementedException();

    /// <summary>Locate + Load.</summary>
    public static ConfigSet Load(string? explicitPath) =>
        throw new NotImplementedException();
}
