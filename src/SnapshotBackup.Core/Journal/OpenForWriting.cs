using System.Globalization;
using System.Text;
using SnapshotBackup.Core.Internal;

namespace SnapshotBackup.Core.Journal;

/// <summary>
/// The files under a source that some process has open for writing or mapped shared and writable, read from /proc at
/// backup time. A write through a shared mapping (mmap) makes no fanotify event, so a journal backup adds these files
/// (and, at the next backup, the ones found now: the mapping may be written and closed after this backup without any event).
/// Needs to see other users' processes (root, and CAP_SYS_PTRACE under systemd's ProtectProc=ptraceable).
/// </summary>
public static unsafe class OpenForWriting
{
    /// <summary>The entries under <paramref name="source"/> (relative, '/'-separated) open for writing or mapped writable now.</summary>
    public static IReadOnlySet<string> Under(string source, string proc = "/proc")
    {
        var root = Path.TrimEndingDirectorySeparator(source);
        var prefix = root + "/";
        var found = new HashSet<string>(StringComparer.Ordinal);
        var self = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        var buffer = stackalloc byte[4096];
        foreach (var process in Directory.EnumerateDirectories(proc))
        {
            var pid = Path.GetFileName(process);
            if (pid.Length == 0 || !char.IsAsciiDigit(pid[0]) || pid == self)
            {
                continue;
            }
            Descriptors(process, prefix, found, buffer);
            Mappings(process, prefix, found);
        }
        return found;
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
