using System.Globalization;
using System.Text;
using SnapshotBackup.Core.Internal;

namespace SnapshotBackup.Core.Journal;

/// <summary>
/// The files under a source that some process has open for writing or mapped shared and writable, read from /proc at
/// backup time. A write through a shared mapping (mmap) makes no fanotify event, so a journal backup adds these files
/// (and, at the next backup, the ones found now: the mapping may be written and closed after this backup without any event).
/// Needs to see other users' processes: root with CAP_SYS_PTRACE (the unit's ProtectProc=invisible then hides none).
/// </summary>
public static unsafe class OpenForWriting
{
    /// <summary>
    /// The entries under <paramref name="source"/> (relative, '/'-separated) open for writing now (<see cref="OpenFiles.Open"/>),
    /// and among them those written without write(2) (<see cref="OpenFiles.Mapped"/>): mapped shared and writable, the
    /// backing files of loop devices, swap files.
    /// </summary>
    public static OpenFiles Under(string source, string proc = "/proc", string sys = "/sys")
    {
        var root = Path.TrimEndingDirectorySeparator(source);
        var prefix = root + "/";
        var open = new HashSet<string>(StringComparer.Ordinal);
        var mapped = new HashSet<string>(StringComparer.Ordinal);
        var self = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        var buffer = stackalloc byte[4096];
        foreach (var process in Directory.EnumerateDirectories(proc))
        {
            var pid = Path.GetFileName(process);
            if (pid.Length == 0 || !char.IsAsciiDigit(pid[0]) || pid == self)
            {
                continue;
            }
            Descriptors(process, prefix, open, buffer);
            Mappings(process, prefix, mapped);
        }
        KernelWriters(prefix, mapped, proc, sys);
        open.UnionWith(mapped);
        return new OpenFiles(open, mapped);
    }

    /// <summary>Files the kernel itself writes: loop devices' backing files (a container, a VM image) and swap files.</summary>
    private static void KernelWriters(string prefix, HashSet<string> found, string proc, string sys)
    {
        var candidates = new List<string>();
        try
        {
            foreach (var loop in Directory.EnumerateDirectories(sys + "/block", "loop*"))
            {
                var backing = loop + "/loop/backing_file";
                if (File.Exists(backing))
                {
                    candidates.Add(File.ReadAllText(backing).TrimEnd('\n'));
                }
            }
            if (File.Exists(proc + "/swaps"))
            {
                candidates.AddRange(File.ReadLines(proc + "/swaps").Skip(1).Select(l => l.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries)).Where(f => f.Length > 0).Select(f => f[0]));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A loop device detached meanwhile, or no /sys: what was read counts.
        }
        foreach (var path in candidates)
        {
            var clean = path.EndsWith(" (deleted)", StringComparison.Ordinal) ? null : path;
            if (clean is not null && clean.StartsWith(prefix, StringComparison.Ordinal))
            {
                found.Add(clean[prefix.Length..]);
            }
        }
    }

    /// <summary>/proc/PID/fd/N pointing under the source, opened with O_WRONLY or O_RDWR (the flags line of fdinfo).</summary>
    private static void Descriptors(string process, string prefix, HashSet<string> found, byte* buffer)
    {
        IEnumerable<string> descriptors;
        try
        {
            descriptors = Directory.EnumerateFiles(process + "/fd");
            foreach (var descriptor in descriptors)
            {
                var length = LibC.ReadLink(descriptor, buffer, 4096);
                if (length <= prefix.Length)
                {
                    continue;
                }
                var target = Encoding.UTF8.GetString(buffer, (int)length);
                if (!target.StartsWith(prefix, StringComparison.Ordinal) || target.EndsWith(" (deleted)", StringComparison.Ordinal)
                    || !OpenForWrite(process + "/fdinfo/" + Path.GetFileName(descriptor)))
                {
                    continue;
                }
                found.Add(target[prefix.Length..]);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The process ended, or is not ours to see.
        }
    }

    private static bool OpenForWrite(string fdinfo)
    {
        try
        {
            foreach (var line in File.ReadLines(fdinfo))
            {
                if (line.StartsWith("flags:", StringComparison.Ordinal))
                {
                    var flags = Convert.ToInt32(line[6..].Trim(), 8);
                    return (flags & 3) != LibC.O_RDONLY;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            // Closed since, or unreadable: not counted.
        }
        return false;
    }

    /// <summary>/proc/PID/maps lines of a shared, writable mapping of a file under the source ("rw-s ... /path").</summary>
    private static void Mappings(string process, string prefix, HashSet<string> found)
    {
        try
        {
            foreach (var line in File.ReadLines(process + "/maps"))
            {
                // address perms offset dev inode path: perms is the second field, e.g. "rw-s".
                var space = line.IndexOf(' ', StringComparison.Ordinal);
                if (space < 0 || space + 5 > line.Length || line[space + 2] != 'w' || line[space + 4] != 's')
                {
                    continue;
                }
                var slash = line.IndexOf('/', space);
                if (slash < 0)
                {
                    continue;
                }
                var path = line[slash..];
                if (path.StartsWith(prefix, StringComparison.Ordinal) && !path.EndsWith(" (deleted)", StringComparison.Ordinal))
                {
                    found.Add(path[prefix.Length..]);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The process ended, or is not ours to see.
        }
    }
}

/// <summary>The files under a source open for writing; <see cref="Mapped"/>: those written without write(2) (no event, perhaps no new mtime).</summary>
public sealed record OpenFiles(IReadOnlySet<string> Open, IReadOnlySet<string> Mapped)
{
    public static OpenFiles None { get; } = new(new HashSet<string>(), new HashSet<string>());
}
