using System.Text.RegularExpressions;
using SnapshotBackup.Core.Configuration;

namespace SnapshotBackup.Tests.Unit;

/// <summary>
/// deploy/snapshotbackup.ini lists every key with its default or an example, commented out: with every such line
/// uncommented it must load without an error or an unknown key, and name every key the reader knows.
/// </summary>
public sealed partial class ExampleConfigTests : ConfigTestBase
{
    [Test]
    public void Every_commented_key_of_the_example_config_loads_and_every_known_key_is_there()
    {
        var example = File.ReadAllLines(Path.Combine(RepositoryRoot(), "deploy", "snapshotbackup.ini"));
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var uncommented = example.Select(line =>
        {
            if (CommentedKey().Match(line) is { Success: true } m)
            {
                keys.Add(m.Groups[1].Value);
                return line[1..];
            }
            return line.StartsWith("#[", StringComparison.Ordinal) ? line[1..] : line;
        });
        var path = Write("snapshotbackup.ini", string.Join('\n', uncommented) + "\n");

        var config = Load(path);

        Assert.That(config.Warnings.Where(w => w.Contains("unknown key", StringComparison.Ordinal)), Is.Empty);
        Assert.That(config.Backups, Is.Not.Empty, "the example's section, uncommented");
        var home = config.Backups.Values.First();
        Assert.That(home.Hooks.BeforeBackup, Does.Contain("$SNAPSHOTBACKUP_SOURCE"), "the hook as written, quotes kept");
        Assert.That(home.Hooks.AfterBackup, Is.Null, "an empty hook is none");
        Assert.That(home.PingUrl, Is.Not.Null);
        Assert.That(config.MetricsDir, Is.EqualTo("/var/lib/prometheus/node-exporter"));
        var known = typeof(BackupConfig).Assembly.GetType("SnapshotBackup.Core.Configuration.ConfigKeys")!
            .GetField("Known")!.GetValue(null) as IReadOnlySet<string>;
        Assert.That(keys, Is.SupersetOf(known!), "every key the reader knows is in the example config");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SnapshotBackup.Daemon.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("the repository root (SnapshotBackup.Daemon.sln) not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"^#([a-z_]+) =( |$)")]
    private static partial Regex CommentedKey();
}
