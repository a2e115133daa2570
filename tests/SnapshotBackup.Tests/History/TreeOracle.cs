using System.Text.Json;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.History;

/// <summary>
/// The test-only oracle of versions and diff, independent of the product: Python's os.lstat/listxattr/getxattr/readlink
/// and a SHA-256 of every regular file's bytes dump a whole tree; the expected diff compares every path of two dumps
/// (type, permission bits, uid, gid, mtime ns, symlink target, rdev, xattrs incl. ACLs, content), the expected versions
/// group a path's states across snapshots into runs of equal ones.
/// </summary>
public static class TreeOracle
{
    private const string Python = "/usr/bin/python3";

    private const string Script = """
        import os, sys, json, hashlib, stat
        root = sys.argv[1]
        out = {}
        def walk(rel):
            full = os.path.join(root, rel) if rel else root
            for name in sorted(os.listdir(full)):
                r = rel + "/" + name if rel else name
                p = os.path.join(root, r)
                st = os.lstat(p)
                e = {"type": stat.S_IFMT(st.st_mode), "mode": stat.S_IMODE(st.st_mode), "uid": st.st_uid, "gid": st.st_gid,
                     "mtime": st.st_mtime_ns}
                if stat.S_ISREG(st.st_mode):
                    e["size"] = st.st_size
                    with open(p, "rb") as f:
                        e["sha"] = hashlib.sha256(f.read()).hexdigest()
                if stat.S_ISLNK(st.st_mode):
                    e["target"] = os.readlink(p)
                if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
                    e["rdev"] = st.st_rdev
                e["xattrs"] = ";".join(n + "=" + os.getxattr(p, n, follow_symlinks=False).hex()
                                       for n in sorted(os.listxattr(p, follow_symlinks=False)))
                out[r] = e
                if stat.S_ISDIR(st.st_mode):
                    walk(r)
        walk("")
        json.dump(out, sys.stdout)
        """;

    public sealed record Entry(int Type, int Mode, long Uid, long Gid, long Mtime, long Size, string? Sha, string? Target, long? Rdev, string Xattrs)
    {
        public string TypeName => Type switch
        {
            0x8000 => "file",
            0x4000 => "dir",
            0xA000 => "symlink",
            0x1000 => "fifo",
            0xC000 => "socket",
            0x2000 => "chardev",
            _ => "blockdev",
        };
    }

    /// <summary>Every entry below <paramref name="root"/> by relative path.</summary>
    public static Dictionary<string, Entry> Dump(string root)
    {
        if (!File.Exists(Python))
        {
            Assert.Ignore("python3 is not installed (tests/run.sh installs it)");
        }
        var result = Shell.Run(Python, ["-c", Script, root], null, TimeSpan.FromMinutes(2));
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        using var json = JsonDocument.Parse(result.Output);
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        foreach (var p in json.RootElement.EnumerateObject())
        {
            var e = p.Value;
            entries[p.Name] = new Entry(
                e.GetProperty("type").GetInt32(), e.GetProperty("mode").GetInt32(), e.GetProperty("uid").GetInt64(),
                e.GetProperty("gid").GetInt64(), e.GetProperty("mtime").GetInt64(),
                e.TryGetProperty("size", out var size) ? size.GetInt64() : 0,
                e.TryGetProperty("sha", out var sha) ? sha.GetString() : null,
                e.TryGetProperty("target", out var target) ? target.GetString() : null,
                e.TryGetProperty("rdev", out var rdev) ? rdev.GetInt64() : null,
                e.GetProperty("xattrs").GetString()!);
        }
        return entries;
    }

    /// <summary>What differs between two entries at one path: (content changed, metadata fields in the product's order).</summary>
    public static (bool Content, List<string> Fields) Differences(Entry a, Entry b)
    {
        var fields = new List<string>();
        var sameType = a.Type == b.Type;
        if (!sameType)
        {
            fields.Add("type");
        }
        if (a.Mode != b.Mode)
        {
            fields.Add("mode");
        }
        if (a.Uid != b.Uid)
        {
            fields.Add("uid");
        }
        if (a.Gid != b.Gid)
        {
            fields.Add("gid");
        }
        if (a.Mtime != b.Mtime)
        {
            fields.Add("mtime");
        }
        if (sameType && a.Target != b.Target)
        {
            fields.Add("target");
        }
        if (sameType && a.Rdev != b.Rdev)
        {
            fields.Add("rdev");
        }
        if (a.Xattrs != b.Xattrs)
        {
            fields.Add("xattrs");
        }
        var content = sameType && a.TypeName == "file" && (a.Size != b.Size || a.Sha != b.Sha);
        return (content, fields);
    }

    /// <summary>The expected diff from A to B as sorted lines: <c>CHANGE path type content [fields]</c>.</summary>
    public static List<string> Diff(Dictionary<string, Entry> a, Dictionary<string, Entry> b)
    {
        var lines = new List<string>();
        foreach (var path in a.Keys.Union(b.Keys).Order(StringComparer.Ordinal))
        {
            var inA = a.TryGetValue(path, out var ea);
            var inB = b.TryGetValue(path, out var eb);
            if (!inA)
            {
                lines.Add(Line(path, "added", eb!.TypeName, false, []));
            }
            else if (!inB)
            {
                lines.Add(Line(path, "deleted", ea!.TypeName, false, []));
            }
            else
            {
                var (content, fields) = Differences(ea!, eb!);
                if (content || fields.Count > 0)
                {
                    lines.Add(Line(path, "modified", eb!.TypeName, content, fields));
                }
            }
        }
        return lines;
    }

    public static string Line(string path, string change, string type, bool content, IEnumerable<string> fields) =>
        $"{change} {path} {type} content={content} [{string.Join(",", fields)}]";

    /// <summary>The expected versions of <paramref name="path"/>: "first..last count absent|type" per run of equal states.</summary>
    public static List<string> Versions(IReadOnlyList<(string Name, Dictionary<string, Entry> Dump)> snapshots, string path)
    {
        var lines = new List<string>();
        string? first = null, last = null;
        Entry? state = null;
        Dictionary<string, Entry>? previousDump = null;
        var count = 0;
        foreach (var (name, dump) in snapshots)
        {
            var current = dump.GetValueOrDefault(path);
            var same = first is not null && (current is null ? state is null : state is not null && Same(state, current))
                && (current?.TypeName != "dir" || SameBelow(previousDump!, dump, path));
            if (!same && first is not null)
            {
                lines.Add(VersionLine(first, last!, count, state));
                first = null;
            }
            if (first is null)
            {
                first = name;
                count = 0;
            }
            last = name;
            state = current;
            previousDump = dump;
            count++;
        }
        if (first is not null)
        {
            lines.Add(VersionLine(first, last!, count, state));
        }
        return lines;
    }

    /// <summary>A directory is one version while everything below it is equal too.</summary>
    private static bool SameBelow(Dictionary<string, Entry> a, Dictionary<string, Entry> b, string path)
    {
        var prefix = path.Length == 0 ? string.Empty : path + "/";
        var belowA = a.Where(e => e.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        var belowB = b.Where(e => e.Key.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        return belowA.Count == belowB.Count && belowB.All(e => belowA.TryGetValue(e.Key, out var other) && Same(other, e.Value));
    }

    private static bool Same(Entry a, Entry b)
    {
        var (content, fields) = Differences(a, b);
        return !content && fields.Count == 0;
    }

    public static string VersionLine(string first, string last, int count, Entry? state) =>
        VersionLine(first, last, count, state?.TypeName, state?.TypeName == "file" ? state.Size : 0);

    public static string VersionLine(string first, string last, int count, string? type, long size) =>
        $"{first}..{last} {count} {(type is null ? "absent" : type + " " + size)}";
}
