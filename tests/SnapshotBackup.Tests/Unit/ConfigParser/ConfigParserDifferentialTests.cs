using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Configuration;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Configuration.ConfigParser;

namespace SnapshotBackup.Tests.Unit.ConfigParser;

/// <summary>
/// The guard: thousands of generated INI files read by our reader and by Python's configparser itself must give the
/// same sections, keys and values, or be refused by both (with the same error class). Set CONFIGPARSER_SEED to replay.
/// </summary>
public class ConfigParserDifferentialTests
{
    private const int Groups = 2400;

    private string dir = "";

    [SetUp]
    public void CreateDirectory() => dir = Directory.CreateTempSubdirectory("snapshotbackup-configparser-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(dir, recursive: true);

    [Test]
    public void Generated_files_read_exactly_as_configparser_reads_them()
    {
        var seed = Environment.GetEnvironmentVariable("CONFIGPARSER_SEED") is { Length: > 0 } s
            ? int.Parse(s, CultureInfo.InvariantCulture)
            : Random.Shared.Next();
        TestContext.Out.WriteLine($"configparser differential seed {seed} (replay with CONFIGPARSER_SEED={seed})");
        var clock = Stopwatch.StartNew();

        var generator = new IniFileGenerator(seed);
        var groups = new List<IReadOnlyList<string>>();
        var fileCount = 0;
        for (var g = 0; g < Groups; g++)
        {
            var group = new List<string>();
            for (var f = generator.GroupSize(); f > 0; f--)
            {
                var path = Path.Combine(dir, $"{fileCount++}.ini");
                File.WriteAllBytes(path, generator.Next());
                group.Add(path);
            }
            groups.Add(group);
        }

        var theirs = ConfigParserOracle.Read(groups, dir);
        Assert.That(theirs, Has.Count.EqualTo(groups.Count));
        var differences = new List<string>();
        int theyRefused = 0, weRefused = 0, providerChecked = 0;
        for (var g = 0; g < groups.Count; g++)
        {
            var ours = ReadOurs(groups[g]);
            theyRefused += theirs[g].Error is null ? 0 : 1;
            weRefused += ours.Error is null ? 0 : 1;
            LoadSemantically(groups[g], differences);
            if (!ours.Equivalent(theirs[g]))
            {
                differences.Add(Describe(groups[g], ours, theirs[g]));
            }
            else if (ours.Error is null && ProviderComparable(ours))
            {
                providerChecked++;
                if (!SameIgnoringKeyCase(ReadThroughProvider(groups[g]), Flatten(ours)))
                {
                    differences.Add(Describe(groups[g], ours, theirs[g]) + "\n  the configuration provider disagrees");
                }
            }
        }

        var figure = string.Create(CultureInfo.InvariantCulture,
            $"configparser differential: {groups.Count:N0} groups ({fileCount:N0} files), {differences.Count} differences; " +
            $"configparser refused {theyRefused:N0}, we refused {weRefused:N0}; {providerChecked:N0} accepted groups also " +
            $"compared through the configuration provider; seed {seed}, {clock.Elapsed.TotalSeconds:F1} s");
        TestContext.Out.WriteLine(figure);
        Assert.That(differences, Is.Empty, string.Join("\n\n", differences.Take(5)));
        Assert.That(theyRefused, Is.InRange(groups.Count / 10, groups.Count * 9 / 10), "the generator should mix good and bad files");
    }

    /// <summary>The whole loader on the same files: a result or a <see cref="ConfigException"/>, never another exception.</summary>
    private static void LoadSemantically(IReadOnlyList<string> paths, List<string> differences)
    {
        try
        {
            ConfigLoader.Load(paths, paths);
        }
        catch (ConfigException)
        {
        }
        catch (Exception e)
        {
            differences.Add($"{string.Join(", ", paths)}: ConfigLoader.Load threw {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>Our reader on each file, merged like configparser's read(paths): a later file overrides key by key.</summary>
    private static IniReading ReadOurs(IReadOnlyList<string> paths)
    {
        var defaults = new OrderedDictionary<string, string>(StringComparer.Ordinal);
        var sections = new OrderedDictionary<string, OrderedDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var path in paths)
        {
            IniFile file;
            try
            {
                file = ConfigParserReader.Read(path);
            }
            catch (IniSyntaxException e)
            {
                return IniReading.Refused(e.Kind.ToString());
            }
            foreach (var header in file.Headers.Where(h => h.Section != ConfigParserReader.DefaultSection))
            {
                sections.TryAdd(header.Section, new OrderedDictionary<string, string>(StringComparer.Ordinal));
            }
            foreach (var option in file.Options)
            {
                var target = option.Section == ConfigParserReader.DefaultSection ? defaults : sections[option.Section];
                target[option.Key] = option.Value;
            }
        }
        return new IniReading(null, [.. defaults.Select(o => (o.Key, o.Value))],
            [.. sections.Select(s => (s.Key, s.Value.Select(o => (o.Key, o.Value)).ToList()))]);
    }

    /// <summary>Microsoft.Extensions.Configuration keys ignore case; compare through it only where that cannot matter.</summary>
    private static bool ProviderComparable(IniReading reading)
    {
        var keys = Flatten(reading).Select(p => p.Key).ToList();
        return keys.Distinct(StringComparer.OrdinalIgnoreCase).Count() == keys.Count
               && reading.Sections.Select(s => s.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count() == reading.Sections.Count;
    }

    private static HashSet<KeyValuePair<string, string>> Flatten(IniReading reading) =>
    [
        .. reading.Defaults.Select(o => KeyValuePair.Create($"DEFAULT:{o.Key}", o.Value)),
        .. reading.Sections.SelectMany(s => s.Options.Select(o => KeyValuePair.Create($"{s.Name}:{o.Key}", o.Value))),
    ];

    private static bool SameIgnoringKeyCase(
        HashSet<KeyValuePair<string, string>> provider, HashSet<KeyValuePair<string, string>> expected)
    {
        var values = provider.ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase);
        return values.Count == expected.Count
               && expected.All(e => values.TryGetValue(e.Key, out var v) && v == e.Value);
    }

    private static HashSet<KeyValuePair<string, string>> ReadThroughProvider(IReadOnlyList<string> paths)
    {
        var builder = new ConfigurationBuilder();
        foreach (var path in paths)
        {
            builder.Add(new ConfigParserConfigurationSource(path));
        }
        var root = builder.Build();
        var keys = root.Providers.SelectMany(p => AllKeys(p, null)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return [.. keys.Select(k => KeyValuePair.Create(k, root[k]!))];
    }

    private static IEnumerable<string> AllKeys(IConfigurationProvider provider, string? parent)
    {
        foreach (var child in provider.GetChildKeys([], parent).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var key = parent is null ? child : ConfigurationPath.Combine(parent, child);
            if (provider.TryGet(key, out var value) && value is not null)
            {
                yield return key;
            }
            foreach (var nested in AllKeys(provider, key))
            {
                yield return nested;
            }
        }
    }

    private static string Describe(IReadOnlyList<string> paths, IniReading ours, IniReading theirs)
    {
        var text = new StringBuilder();
        foreach (var path in paths)
        {
            var bytes = File.ReadAllBytes(path);
            text.Append(CultureInfo.InvariantCulture, $"{path}: {IniReading.Escape(Encoding.UTF8.GetString(bytes))}\n");
        }
        text.Append(CultureInfo.InvariantCulture, $"  configparser: {theirs}\n  ours:         {ours}");
        return text.ToString();
    }
}
