using SnapshotBackup.Core.History;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.History;

/// <summary>
/// <see cref="ExcludeFilter"/> against rsync itself: for each set of patterns, what rsync copies with one
/// <c>--exclude</c> per pattern (as a backup does) is exactly what a walk that leaves out excluded entries keeps.
/// </summary>
[Category("History")]
public class ExcludeFilterTests
{
    private static readonly string[] Tree =
    [
        "a.tmp", "keep", "cache/x", "cache/deep/y", "sub/cache/z", "sub/cache.txt", "sub/a.tmp", "sub/b.log",
        "logs/2026/app.log", "logs/keep", "build/out/bin", "src/build/file", "x1", "x2", "xy", "data/a/b/c.bak",
        "dir.tmp/inner", "file.tmp2", "[odd]", "space name/f",
    ];

    private static readonly string[][] PatternSets =
    [
        ["*.tmp"],
        ["/cache"],
        ["cache/"],
        ["cache"],
        ["/sub/cache"],
        ["sub/*.tmp", "/logs/**/app.log"],
        ["logs/***"],
        ["build/", "/x?"],
        ["**/c.bak", "[o]dd"],
        ["/data/*/b", "space name"],
        ["*/cache", "*.log"],
        ["x[12]", "dir.tmp/"],
        ["/a.tmp/", "a*"],
    ];

    [Test]
    public void The_filter_keeps_exactly_what_rsync_copies([ValueSource(nameof(PatternSets))] string[] patterns)
    {
        var root = Directory.CreateTempSubdirectory("sbexclude-").FullName;
        try
        {
            var source = Path.Combine(root, "src");
            foreach (var path in Tree)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(source, path))!);
                File.WriteAllText(Path.Combine(source, path), path);
            }
            var target = Path.Combine(root, "dst");
            Shell.Check("rsync", ["-a", .. patterns.Select(p => "--exclude=" + p), "--", source + "/", target]);
            var copied = Walk(target, string.Empty, (_, _) => false);
            var filter = new ExcludeFilter(patterns);
            Assert.That(Walk(source, string.Empty, filter.Excludes), Is.EqualTo(copied), string.Join(", ", patterns));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static List<string> Walk(string top, string relative, Func<string, bool, bool> excluded)
    {
        var found = new List<string>();
        foreach (var entry in Directory.EnumerateFileSystemEntries(Path.Combine(top, relative)).Order(StringComparer.Ordinal))
        {
            var path = relative.Length == 0 ? Path.GetFileName(entry) : relative + "/" + Path.GetFileName(entry);
            var directory = Directory.Exists(entry);
            if (excluded(path, directory))
            {
                continue;
            }
            found.Add(path);
            if (directory)
            {
                found.AddRange(Walk(top, path, excluded));
            }
        }
        return found;
    }
}
