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
    /// The files to read, in the order they are read (a later one overriding an earlier one key by key, like
    /// configparser's <c>read([a, b])</c>), so the most important comes last: <paramref name="explicitPaths"/> when there
    /// are any, in the given order; otherwise /etc/snapshotbackup.ini, then /etc/snapshotbackup.d/*.ini in lexical
    /// order, then snapshotbackup.ini in each of $XDG_CONFIG_DIRS (default /etc/xdg; the first directory wins), then the
    /// user's own $XDG_CONFIG_HOME/snapshotbackup.ini (or ~/.config/...). The original tool read the first of the user's
    /// file, the XDG_CONFIG_DIRS ones and /etc; reading them all keeps the drop-ins and lets the user's file win.
    /// </summary>
    /// <param name="etcDirectory">"/etc", replaceable for tests.</param>
    /// <returns>The files that exist in reading order, and every path looked at, most important first.</returns>
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
            return (explicitPaths, explicitPaths.Reverse().ToList());
        }

        // Most important first; reversed into reading order at the end.
        var searched = new List<string>();
        var configHome = getEnvironment("XDG_CONFIG_HOME");
        if (string.IsNullOrEmpty(configHome) || !configHome.StartsWith('/'))
        {
            configHome = getEnvironment("HOME") is { Length: > 0 } home && home.StartsWith('/') ? Path.Combine(home, ".config") : null;
        }
        if (configHome is not null)
        {
            searched.Add(Path.Combine(configHome, FileName));
        }
        // The XDG base directory spec: relative entries are invalid and ignored; unset or empty means /etc/xdg.
        var configDirs = getEnvironment("XDG_CONFIG_DIRS") is { Length: > 0 } dirs ? dirs : "/etc/xdg";
        foreach (var dir in configDirs.Split(':', StringSplitOptions.RemoveEmptyEntries).Where(d => d.StartsWith('/')))
        {
            searched.Add(Path.Combine(dir, FileName));
        }
        searched.Add(Path.Combine(etcDirectory, FileName));
        // The same file named twice (XDG_CONFIG_DIRS=/etc) counts where it matters most.
        searched = searched.Distinct(StringComparer.Ordinal).ToList();

        var files = new List<string>();
        var dropIns = Path.Combine(etcDirectory, DropInDirectoryName);
        if (Directory.Exists(dropIns))
        {
            files.AddRange(Directory.GetFiles(dropIns, "*.ini")
                .Where(f => f.EndsWith(".ini", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal));
        }
        var etcFile = Path.Combine(etcDirectory, FileName);
        for (var i = searched.Count - 1; i >= 0; i--)
        {
            var path = searched[i];
            if (!File.Exists(path))
            {
                continue;
            }
            if (path == etcFile)
            {
                files.Insert(0, path);
            }
            else
            {
                files.Add(path);
            }
        }
        // Drop-ins rank between the XDG files and the main /etc file.
        searched.Insert(searched.IndexOf(etcFile), Path.Combine(dropIns, "*.ini"));
        return (files, searched);
    }

    /// <summary>The files in order of precedence, most important first (for <c>-d</c>): the reverse of reading order.</summary>
    public static string Precedence(IReadOnlyList<string> files) =>
        files.Count == 0 ? "no file" : string.Join(" > ", files.Reverse());

    /// <summary>Reads and validates; throws <see cref="ConfigException"/> naming file, section, key and value.</summary>
    /// <param name="workingDirectory">
    /// What relative <c>source</c> and <c>backups</c> paths are resolved against (the command's working directory, as the
    /// original tool did); null refuses them (the daemon).
    /// </param>
    public static ConfigSet Load(IReadOnlyList<string> files, IReadOnlyList<string> searched, string? workingDirectory = null)
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
        return new ConfigReader(parsed, workingDirectory).Read(files, searched);
    }

    /// <summary>Locate + Load: <paramref name="explicitPaths"/> (every <c>-c</c>, in order), else the standard search.</summary>
    public static ConfigSet Load(IReadOnlyList<string> explicitPaths, string? workingDirectory = null)
    {
        var (files, searched) = Locate(explicitPaths, Environment.GetEnvironmentVariable);
        return Load(files, searched, workingDirectory);
    }
}
