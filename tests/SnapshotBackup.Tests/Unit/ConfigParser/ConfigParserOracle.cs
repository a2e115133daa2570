using System.Text.Json;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.Unit.ConfigParser;

/// <summary>Python's configparser itself, run once for a whole batch of file groups.</summary>
public static class ConfigParserOracle
{
    // Each group read by a fresh ConfigParser() like the original tool; the raw values (no interpolation) in order.
    private const string Script = """
        import configparser, json, sys
        groups = json.load(open(sys.argv[1], encoding='utf-8'))
        out = []
        for paths in groups:
            parser = configparser.ConfigParser()
            try:
                parser.read(paths, encoding='utf-8')
            except Exception as e:
                out.append({'error': type(e).__name__})
                continue
            out.append({
                'defaults': list(parser._defaults.items()),
                'sections': [[name, list(options.items())] for name, options in parser._sections.items()],
            })
        json.dump(out, sys.stdout, ensure_ascii=True)
        """;

    /// <summary>configparser's reading of each group of files, in order.</summary>
    public static IReadOnlyList<IniReading> Read(IReadOnlyList<IReadOnlyList<string>> groups, string workDirectory)
    {
        var script = Path.Combine(workDirectory, "oracle.py");
        var manifest = Path.Combine(workDirectory, "groups.json");
        File.WriteAllText(script, Script);
        File.WriteAllText(manifest, JsonSerializer.Serialize(groups));
        var result = Shell.Run("python3", script, manifest);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"python3 failed: {result}");
        }
        using var json = JsonDocument.Parse(result.Output);
        return [.. json.RootElement.EnumerateArray().Select(ToReading)];
    }

    private static IniReading ToReading(JsonElement group)
    {
        if (group.TryGetProperty("error", out var error))
        {
            return IniReading.Refused(error.GetString()!);
        }
        var defaults = Options(group.GetProperty("defaults"));
        var sections = group.GetProperty("sections").EnumerateArray()
            .Select(s => (s[0].GetString()!, Options(s[1])))
            .ToList();
        return new IniReading(null, defaults, sections);
    }

    private static List<(string, string)> Options(JsonElement options) =>
        [.. options.EnumerateArray().Select(o => (o[0].GetString()!, o[1].GetString()!))];
}
