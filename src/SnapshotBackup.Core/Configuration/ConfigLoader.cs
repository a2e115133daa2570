using Microsoft.Extensions.Configuration;
using SnapshotBackup.Core.Configuration.ConfigParser;

namespace SnapshotBackup.Core.Configuration;

/// <summary>
/// Finds the INI files and reads them through Microsoft.Extensions.Configuration with a provider that parses like
/// Python's configparser, then applies the [DEFAULT] semantics and checks every value.
/// </summary>
public static class ConfigLoader
{
    public const string FileName = "snapshotbackup.ini";
    public const string DropInDirectoryName = "snapshotbackup.d";

    /// <summary>
    /// The files to read: <paramref name="explicitPath"/> alone when given; otherwise $XDG_CONFIG_HOME/snapshotbackup.ini
    /// (or ~/.config/...) when it exists, then /etc/snapshotbackup.ini and /etc/snapshotbackup.d/*.ini in lexical order.
    /// </summary>
    /// <param name="etcDirectory">"/etc", replaceable for tests.</param>
    /// <exception cref="ConfigException"><paramref name="explicitPath"/> is given but is not a file.</exception>
    public static (IReadOnlyList<string> Files, IReadOnlyList<string> Searched) Locate(
        string? explicitPath, Func<string, string?> getEnvironment, string etcDirectory = "/etc") =>
        Locate(string.IsNullOrEmpty(explicitPath) ? [] : [explicitPath], getEnvironment, etcDirectory);

    /// <summary>
    /// The files to read: <paramref name="explicitPaths"/> when there are any, in the given order (a later one
    /// overriding an earlier one key by key, like configparser's <c>read([a, b])</c>); otherwise
    /// $XDG_CONFIG_HOME/snapshotbackup.ini (or ~/.config/...) when it exists, then /etc/snapshotbackup.ini and
    /// /etc/snapshotbackup.d/*.ini in lexical order.
    /// </summary>
    /// <param name="etcDirectory">"/etc", replaceable for tests.</param>
    /// <exception cref="ConfigException">An explicit path does not exist or is a directory.</exception>
    public static (IReadOnlyList<string> Files, IReadOnlyList<string> Searched) Locate(
        IReadOnlyList<string> explicitPaths, Func<string, string?> getEnvironment, string etcDirectory = "/etc")
    {
        ArgumentNullException.ThrowIfNull(explicitPaths);
        ArgumentNullException.ThrowIfNull(getEnvironment);
        if (explicitPaths.Count > 0)
        {
            foreach (var path in explicitPaths)
            {
                if (Directory.Exists(path))
                {
                    throw new ConfigException($"config file {path} is a directory; give the .ini file in it");
                }
                if (!File.Exists(path))
                {
                    throw new ConfigException($"config file {path} not found");
                }
            }
            return (explicitPaths, explicitPaths);
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
        var builder = new ConfigurationBuilder();
        foreach (var file in files)
        {
            builder.Add(new ConfigParserConfigurationSource(file));
        }
        var root = builder.Build();
        var parsed = root.Providers.Cast<ConfigParserConfigurationProvider>().Select(p => p.File).ToList();
        return new ConfigReader(parsed).Read(files, searched);
    }

    /// <summary>Locate + Load: <paramref name="explicitPaths"/> (every <c>-c</c>, in order), else the standard search.</summary>
    public static ConfigSet Load(IReadOnlyList<string> explicitPaths)
    {
        var (files, searched) = Locate(explicitPaths, Environment.GetEnvironmentVariable);
        return Load(files, searched);
    }
}
