using Microsoft.Extensions.Configuration.Ini;

namespace SnapshotBackup.Core.Configuration;

/// <summary>One INI file as read by <see cref="IniStreamConfigurationProvider"/>, plus its section headers and raw values.</summary>
internal sealed class IniFile
{
    private readonly IDictionary<string, string?> values;
    private readonly Dictionary<string, string> rawValues;

    private IniFile(string path, IDictionary<string, string?> values, List<string> sections,
        List<(string Section, string Key)> entries, Dictionary<string, string> rawValues)
    {
        Path = path;
        this.values = values;
        Sections = sections;
        Entries = entries;
        this.rawValues = rawValues;
    }

    public string Path { get; }

    /// <summary>Section headers in file order, as written (the same section may appear more than once).</summary>
    public IReadOnlyList<string> Sections { get; }

    /// <summary>Every key, with the section it is in ("" before the first header).</summary>
    public IReadOnlyList<(string Section, string Key)> Entries { get; }

    public static IniFile Read(string path)
    {
        string text;
        IDictionary<string, string?> values;
        try
        {
            text = File.ReadAllText(path);
            using var stream = File.OpenRead(path);
            values = IniStreamConfigurationProvider.Read(stream);
        }
        catch (FormatException e)
        {
            throw new ConfigException($"{path}: {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"cannot read config file {path}: {e.Message}", e);
        }

        // The same line rules as the provider, to learn section names and values before its double-quote stripping.
        var sections = new List<string>();
        var entries = new List<(string, string)>();
        var raw = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var section = "";
        using var reader = new StringReader(text);
        while (reader.ReadLine() is { } rawLine)
        {
            var line = rawLine.Trim();
            if (line.Length == 0 || line[0] is ';' or '#' or '/')
            {
                continue;
            }
            if (line[0] == '[' && line[^1] == ']')
            {
                section = line[1..^1].Trim();
                sections.Add(section);
                continue;
            }
            var separator = line.IndexOf('=', StringComparison.Ordinal);
            if (separator < 0)
            {
                continue;
            }
            var key = line[..separator].Trim();
            entries.Add((section, key));
            raw[Join(section, key)] = line[(separator + 1)..].Trim();
        }
        return new IniFile(path, values, sections, entries, raw);
    }

    /// <summary>The provider's value (double quotes stripped by it, single quotes by us).</summary>
    public bool TryGet(string section, string key, out string value)
    {
        if (values.TryGetValue(Join(section, key), out var v) && v is not null)
        {
            value = ConfigValues.StripQuotes(v);
            return true;
        }
        value = "";
        return false;
    }

    /// <summary>The value as written, quotes and all.</summary>
    public string? Raw(string section, string key) => rawValues.GetValueOrDefault(Join(section, key));

    private static string Join(string section, string key) => section.Length == 0 ? key : $"{section}:{key}";
}
