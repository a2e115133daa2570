using System.Text;

namespace SnapshotBackup.Core.Volume;

/// <summary>
/// Knows when a backups directory sits on a disk that should be mounted but is not: its deepest covering mount point
/// in /etc/fstab (a USB disk with <c>nofail</c>, say) is missing from the mount table. Without this check a root
/// filesystem that is itself btrfs would silently receive the backup in the empty mount-point directory.
/// </summary>
public sealed class MountTable(string fstab = "/etc/fstab", string mountInfo = "/proc/self/mountinfo") : IMountTable
{
    /// <summary>This system's: <c>/etc/fstab</c> and <c>/proc/self/mountinfo</c>.</summary>
    public static MountTable System { get; } = new();

    /// <summary>The fstab mount point that covers <paramref name="path"/> and is not mounted, or null.</summary>
    public string? UnmountedMountPoint(string path)
    {
        var target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        var configured = ReadField(fstab, 1, skipComments: true).Where(p => p.StartsWith('/') && p != "/");
        var deepestConfigured = configured.Where(p => Covers(p, target)).MaxBy(p => p.Length);
        if (deepestConfigured is null)
        {
            return null;
        }
        var mounted = ReadField(mountInfo, 4, skipComments: false).ToHashSet(StringComparer.Ordinal);
        if (mounted.Contains(deepestConfigured))
        {
            return null;
        }
        // A deeper mount (not in fstab) may still hold the path.
        return mounted.Any(m => m.Length > deepestConfigured.Length && Covers(m, target)) ? null : deepestConfigured;
    }

    /// <summary>
    /// The mount that holds <paramref name="path"/> (the deepest mount point above it, by its absolute path), with its
    /// options from <c>/proc/self/mountinfo</c>; null when the table cannot be read.
    /// </summary>
    public MountedFileSystem? MountOf(string path)
    {
        var target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        string[] lines;
        try
        {
            lines = File.ReadAllLines(mountInfo);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        MountedFileSystem? deepest = null;
        foreach (var line in lines)
        {
            // id parent major:minor root mount-point options [optional fields...] - type source super-options
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var separator = Array.IndexOf(fields, "-");
            if (fields.Length < 6 || separator < 6 || separator + 1 >= fields.Length)
            {
                continue;
            }
            var mountPoint = Path.TrimEndingDirectorySeparator(Unescape(fields[4]));
            if ((mountPoint == "/" || Covers(mountPoint, target)) && (deepest is null || mountPoint.Length >= deepest.MountPoint.Length))
            {
                var options = fields[5].Split(',').Concat(separator + 3 < fields.Length ? fields[separator + 3].Split(',') : []).ToList();
                deepest = new MountedFileSystem(mountPoint, fields[separator + 1], options);
            }
        }
        return deepest;
    }

    /// <summary>
    /// The mount points strictly below <paramref name="path"/> (another filesystem, or a bind mount, inside it), sorted;
    /// null when the mount table cannot be read.
    /// </summary>
    public IReadOnlyList<string>? MountsBelow(string path)
    {
        var target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        var prefix = target == "/" ? "/" : target + "/";
        if (!File.Exists(mountInfo))
        {
            return null;
        }
        return [.. ReadField(mountInfo, 4, skipComments: false).Where(m => m.Length > prefix.Length && m.StartsWith(prefix, StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    private static bool Covers(string mountPoint, string path) =>
        path == mountPoint || path.StartsWith(mountPoint + "/", StringComparison.Ordinal);

    private static IEnumerable<string> ReadField(string file, int index, bool skipComments)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
        return lines
            .Where(l => !(skipComments && l.TrimStart().StartsWith('#')))
            .Select(l => l.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length > index)
            .Select(f => Path.TrimEndingDirectorySeparator(Unescape(f[index])));
    }

    /// <summary>fstab and mountinfo write spaces and friends as octal escapes (<c>\040</c>).</summary>
    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }
        var bytes = new List<byte>();
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && IsOctal(field, i + 1))
            {
                bytes.Add((byte)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(field[i].ToString()));
            }
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static bool IsOctal(string s, int start) =>
        start + 3 <= s.Length && s.AsSpan(start, 3).ToArray().All(c => c is >= '0' and <= '7');
}
