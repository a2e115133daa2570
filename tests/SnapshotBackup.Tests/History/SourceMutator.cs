using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.History;

/// <summary>
/// Seeded random changes to a source tree: files created, rewritten (also to the same size), deleted; directories
/// created and deleted whole; renames of files and directories, swaps of both; hard links; xattr-only, ACL-only,
/// mode-only, owner-only and mtime-only changes; symlink retargets; device numbers; file↔directory replacements.
/// Modes keep 'other' readable (and directories searchable) so a normal user can read every snapshot too.
/// </summary>
public sealed class SourceMutator(string root, int seed)
{
    private static readonly int[] FileModes = [0x1A4 /*0644*/, 0x1B4 /*0664*/, 0x1ED /*0755*/, 0x184 /*0604*/, 0x1E5 /*0745*/];
    private static readonly int[] DirectoryModes = [0x1ED /*0755*/, 0x1FD /*0775*/, 0x1C5 /*0705*/];
    private readonly Random _random = new(seed);
    private int _serial;

    public List<string> Log { get; } = [];

    /// <summary>A starting tree: nested directories, files small (inline) and large (extents), a symlink, a fifo, a device.</summary>
    public void Populate()
    {
        foreach (var dir in new[] { "d1", "d1/e1", "d2", "d2/e2/g2", "ignored" })
        {
            Directory.CreateDirectory(Path.Combine(root, dir));
        }
        for (var i = 0; i < 24; i++)
        {
            NewFile();
        }
        File.WriteAllText(Path.Combine(root, "ignored", "never"), "excluded by ignore");
        File.WriteAllText(Path.Combine(root, "d1", "x.tmp"), "excluded by ignore");
        File.CreateSymbolicLink(Path.Combine(root, "d1", "link"), "../d2");
        Shell.Check("mkfifo", Path.Combine(root, "d2", "fifo"));
        Shell.Check("mknod", Path.Combine(root, "d2", "null"), "c", "1", "3");
    }

    /// <summary>One batch of <paramref name="count"/> random changes.</summary>
    public void Mutate(int count, bool restoreMtimes = true)
    {
        for (var done = 0; done < count;)
        {
            var kind = _random.Next(19);
            try
            {
                if (Apply(kind, restoreMtimes) is { } what)
                {
                    Log.Add(what);
                    done++;
                }
            }
            catch (IOException)
            {
                // e.g. a rename into its own subtree: pick another change
            }
        }
    }

    private string? Apply(int kind, bool restoreMtimes)
    {
        switch (kind)
        {
            case 0 or 1:
                return "create " + NewFile();
            case 2:
            {
                var dir = Path.Combine(PickDirectory(), "n" + ++_serial);
                Directory.CreateDirectory(dir);
                File.WriteAllBytes(Path.Combine(dir, "inside"), Bytes(_random.Next(0, 3000)));
                return "mkdir " + Rel(dir);
            }
            case 3 when PickFile(special: true) is { } file:
                File.Delete(file);
                return "delete " + Rel(file);
            case 4 when PickDirectory(notTop: true) is { } dir && dir != root:
                Directory.Delete(dir, recursive: true);
                return "rmdir -r " + Rel(dir);
            case 5 when PickFile(special: true) is { } file:
            {
                var target = Path.Combine(PickDirectory(), "r" + ++_serial);
                File.Move(file, target);
                return $"rename {Rel(file)} {Rel(target)}";
            }
            case 6 when PickDirectory(notTop: true) is { } dir && dir != root:
            {
                var parent = PickDirectory();
                if ((parent + "/").StartsWith(dir + "/", StringComparison.Ordinal))
                {
                    return null;
                }
                var target = Path.Combine(parent, "rd" + ++_serial);
                Directory.Move(dir, target);
                return $"rename dir {Rel(dir)} {Rel(target)}";
            }
            case 7:
            {
                var (x, y) = (PickAny(), PickAny());
                if (x is null || y is null || x == y || (y + "/").StartsWith(x + "/", StringComparison.Ordinal) || (x + "/").StartsWith(y + "/", StringComparison.Ordinal))
                {
                    return null;
                }
                var temp = Path.Combine(root, "swap" + ++_serial);
                Rename(x, temp);
                Rename(y, x);
                Rename(temp, y);
                return $"swap {Rel(x)} {Rel(y)}";
            }
            case 8 when PickFile(special: true) is { } file:
            {
                var link = Path.Combine(PickDirectory(), "h" + ++_serial);
                Shell.Check("ln", file, link);
                return $"hard link {Rel(file)} {Rel(link)}";
            }
            case 9 when PickAny() is { } any && !IsSymlink(any) && !IsSpecial(any):
                // user.* attributes exist on regular files and directories only
                Shell.Check("setfattr", "-n", "user.k" + _random.Next(3), "-v", "v" + _random.Next(1000), any);
                return "xattr " + Rel(any);
            case 10 when PickAny() is { } any && !IsSymlink(any):
                Shell.Check("setfacl", "-m", $"u:{1234 + _random.Next(2)}:r{(Directory.Exists(any) ? "x" : "-")}", any);
                return "acl " + Rel(any);
            case 11 when PickAny() is { } any && !IsSymlink(any):
                Shell.Check("chmod", Convert.ToString(Directory.Exists(any) ? DirectoryModes[_random.Next(DirectoryModes.Length)] : FileModes[_random.Next(FileModes.Length)], 8), any);
                return "chmod " + Rel(any);
            case 12 when PickAny() is { } any:
                Shell.Check("chown", "-h", $"{new[] { 0, 1234, 4321 }[_random.Next(3)]}:{new[] { 0, 1234 }[_random.Next(2)]}", any);
                return "chown " + Rel(any);
            case 13 when PickFile() is { } file && !IsSymlink(file):
            {
                // Same size, new bytes; often with the old mtime put back (to the 100 ns tick, so rsync still sees a change).
                var length = (int)new FileInfo(file).Length;
                var mtime = File.GetLastWriteTimeUtc(file);
                File.WriteAllBytes(file, Bytes(length));
                if (restoreMtimes && _random.Next(2) == 0)
                {
                    File.SetLastWriteTimeUtc(file, mtime);
                }
                return "same-size rewrite " + Rel(file);
            }
            case 14 when PickFile() is { } file && !IsSymlink(file):
                File.AppendAllText(file, "more");
                return "append " + Rel(file);
            case 15 when Symlinks().FirstOrDefault() is { } link:
                File.Delete(link);
                File.CreateSymbolicLink(link, "target" + _random.Next(1000));
                return "retarget " + Rel(link);
            case 16 when PickAny() is { } any && !IsSymlink(any):
                File.SetLastWriteTimeUtc(any, DateTime.UtcNow.AddHours(-_random.Next(1, 1000)));
                return "touch " + Rel(any);
            case 17 when PickFile() is { } file && !IsSymlink(file):
                File.Delete(file);
                Directory.CreateDirectory(file);
                File.WriteAllText(Path.Combine(file, "was a file"), "x");
                return "file to dir " + Rel(file);
            case 18 when _random.Next(3) == 0 && Directory.Exists(Path.Combine(root, "d2")) && !IsSymlink(Path.Combine(root, "d2")):
            {
                var device = Path.Combine(root, "d2", "null");
                if (SnapshotBackup.Core.Internal.LibC.LStatx(SnapshotBackup.Core.Internal.LibC.AT_FDCWD, device, out _) is { Nlink: > 1 })
                {
                    // Not a device with other hard links: rsync -H fixes a device's attributes in place, so a copy whose
                    // names were linked keeps one mtime for both once the source splits them (full scans too; rsync's limit).
                    return null;
                }
                if (File.Exists(device))
                {
                    File.Delete(device);
                }
                Shell.Check("mknod", device, "c", "1", (3 + _random.Next(3)).ToString(System.Globalization.CultureInfo.InvariantCulture));
                return "mknod d2/null";
            }
            case 18:
                var tmp = Path.Combine(PickDirectory(), "t" + ++_serial + ".tmp");
                File.WriteAllText(tmp, "ignored");
                return "create ignored " + Rel(tmp);
            default:
                return null;
        }
    }

    private string NewFile()
    {
        var path = Path.Combine(PickDirectory(), "f" + ++_serial);
        var size = _random.Next(4) == 0 ? _random.Next(5000, 300_000) : _random.Next(0, 3000);
        File.WriteAllBytes(path, Bytes(size));
        return Rel(path);
    }

    private byte[] Bytes(int length)
    {
        var bytes = new byte[length];
        _random.NextBytes(bytes);
        return bytes;
    }

    private static void Rename(string from, string to)
    {
        if (Directory.Exists(from) && !IsSymlink(from))
        {
            Directory.Move(from, to);
        }
        else
        {
            File.Move(from, to);
        }
    }

    /// <summary>A fifo or device (also after a rename): never opened, since opening a fifo waits for a writer.</summary>
    private static bool IsSpecial(string path) =>
        SnapshotBackup.Core.Internal.LibC.LStatx(SnapshotBackup.Core.Internal.LibC.AT_FDCWD, path, out _) is { } s
        && (s.Mode & 0xF000) is not (0x8000 or 0x4000 or 0xA000);

    private static bool IsSymlink(string path) => new FileInfo(path).LinkTarget is not null;

    private string Rel(string path) => Path.GetRelativePath(root, path);

    private List<string> Entries(bool directories) =>
        Walk(root).Where(p => !p.Contains("/ignored", StringComparison.Ordinal) && (directories == (Directory.Exists(p) && !IsSymlink(p)))).Order(StringComparer.Ordinal).ToList();

    private static IEnumerable<string> Walk(string dir)
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(dir).Order(StringComparer.Ordinal))
        {
            yield return entry;
            if (Directory.Exists(entry) && !IsSymlink(entry))
            {
                foreach (var inner in Walk(entry))
                {
                    yield return inner;
                }
            }
        }
    }

    private IEnumerable<string> Symlinks() => Entries(false).Where(IsSymlink).OrderBy(_ => _random.Next());

    /// <summary>A non-directory; a fifo or device only when <paramref name="special"/> (the change does not open it).</summary>
    private string? PickFile(bool special = false)
    {
        var files = Entries(false).Where(p => special || !IsSpecial(p)).ToList();
        return files.Count == 0 ? null : files[_random.Next(files.Count)];
    }

    private string PickDirectory(bool notTop = false)
    {
        var dirs = Entries(true);
        if (!notTop)
        {
            dirs.Add(root);
        }
        return dirs.Count == 0 ? root : dirs[_random.Next(dirs.Count)];
    }

    private string? PickAny()
    {
        var all = Entries(false).Concat(Entries(true)).ToList();
        return all.Count == 0 ? null : all[_random.Next(all.Count)];
    }
}
