using System.Globalization;
using SnapshotBackup.Core.Internal;

namespace SnapshotBackup.Core.Volume;

/// <summary>
/// The Python snapshotbackup 0.0.16's lock, so that the two tools never run two rsyncs into one <c>.sync</c> while
/// people migrate: it refuses a backup while <c>&lt;backups&gt;/.sync_lock</c> exists, creating the (empty) file for
/// the length of its own backup and removing it afterwards. It has no pid in it, so a file left by a killed run blocks
/// the original for good. We hold the file for the length of our backup (after our own flock, see
/// <see cref="VolumeLock"/>), so the original sees the volume as locked; we refuse while a live Python run holds it
/// (<see cref="FindHolder"/>), and take over one left by a run that is gone, removing it when our backup ends.
/// </summary>
public sealed class LegacySyncLock : IDisposable
{
    public const string FileName = ".sync_lock";

    private readonly string path;
    private readonly LibC.StatInfo identity;
    private int released;

    private LegacySyncLock(string path, LibC.StatInfo identity)
    {
        this.path = path;
        this.identity = identity;
    }

    /// <summary>What a person finds in the file: who holds it and that it goes when the backup ends.</summary>
    internal static string Content(int pid) =>
        string.Create(CultureInfo.InvariantCulture,
            $"snapshotbackup (C#) pid {pid}: backing up into .sync; removed when that backup ends\n");

    /// <summary>
    /// Creates or takes over <c>.sync_lock</c>, or throws <see cref="VolumeLockedException"/> (exit 75) naming the Python
    /// process that holds it. Call while holding the volume's flock, so no other run of ours races for it.
    /// </summary>
    /// <param name="onTakeover">Told, in words for the log, that a file left by a run that is gone was taken over.</param>
    /// <param name="procRoot">"/proc", replaceable for tests.</param>
    public static LegacySyncLock Acquire(string directory, string backupName, Action<string>? onTakeover, string procRoot = "/proc")
    {
        var path = Path.Combine(directory, FileName);
        try
        {
            using var created = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite);
            created.Write(System.Text.Encoding.ASCII.GetBytes(Content(Environment.ProcessId)));
        }
        catch (IOException) when (File.Exists(path))
        {
            if (FindHolder(directory, File.GetLastWriteTimeUtc(path), procRoot) is { } holder)
            {
                throw new VolumeLockedException(
                    $"backup '{backupName}' is locked by the Python snapshotbackup (pid {holder.Pid}: {holder.CommandLine}): " +
                    $"{path} exists and that process is running; wait for it to finish");
            }
            onTakeover?.Invoke($"{path} was left by a run that is no longer running; taking it over " +
                               "(snapshotbackup 0.0.16 sees the volume as locked while this backup runs; the file is removed when it ends)");
        }
        var stat = LibC.Stat(path, out var errno) ?? throw new IOException($"cannot stat {path}: {LibC.ErrorText(errno)}");
        return new LegacySyncLock(path, stat);
    }

    /// <summary>Removes the file, unless somebody replaced it meanwhile (then it is theirs).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref released, 1) != 0)
        {
            return;
        }
        if (LibC.Stat(path, out _) is { } now && now.Device == identity.Device && now.Inode == identity.Inode)
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
                // Left behind: our next backup takes it over, and the original says where it is.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    /// <summary>A running process that holds <c>.sync_lock</c>.</summary>
    public sealed record Holder(int Pid, string CommandLine);

    /// <summary>
    /// The live process that a <c>.sync_lock</c> written at <paramref name="lockWritten"/> belongs to, or null when
    /// none does (the file is stale). The file says nothing about its owner, so the processes tell: one that writes
    /// into <c>&lt;directory&gt;/.sync</c> (the original's rsync, or anybody's), or a Python process running
    /// snapshotbackup that already ran when the file was written.
    /// </summary>
    public static Holder? FindHolder(string directory, DateTime lockWritten, string procRoot = "/proc")
    {
        var sync = Path.TrimEndingDirectorySeparator(Path.Combine(Path.GetFullPath(directory), ".sync"));
        var bootTime = BootTime(procRoot);
        IEnumerable<string> processes;
        try
        {
            processes = Directory.EnumerateDirectories(procRoot).ToList();
        }
        catch (IOException)
        {
            return null;
        }
        foreach (var dir in processes)
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }
            string[] args;
            try
            {
                args = File.ReadAllText(Path.Combine(dir, "cmdline")).TrimEnd('\0').Split('\0');
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // gone meanwhile, or hidden
            }
            if (args is [""] or [])
            {
                continue; // a kernel thread
            }
            var commandLine = string.Join(' ', args);
            if (WritesInto(args, sync, dir))
            {
                return new Holder(pid, commandLine);
            }
            if (RunsPythonSnapshotBackup(args, dir)
                && (bootTime is not { } boot || StartTime(dir, boot) is not { } started || started <= lockWritten.AddSeconds(2)))
            {
                return new Holder(pid, commandLine);
            }
        }
        return null;
    }

    private static bool WritesInto(string[] args, string sync, string processDirectory)
    {
        string? cwd = null;
        foreach (var arg in args.Skip(1))
        {
            if (arg.Length == 0 || arg[0] == '-')
            {
                continue;
            }
            var candidate = arg;
            if (!candidate.StartsWith('/'))
            {
                cwd ??= ReadLink(Path.Combine(processDirectory, "cwd")) ?? string.Empty;
                if (cwd.Length == 0 || candidate.Contains(':', StringComparison.Ordinal))
                {
                    continue;
                }
                candidate = Path.GetFullPath(candidate, cwd);
            }
            if (string.Equals(Path.TrimEndingDirectorySeparator(candidate), sync, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    private static bool RunsPythonSnapshotBackup(string[] args, string processDirectory)
    {
        var interpreter = Path.GetFileName(ReadLink(Path.Combine(processDirectory, "exe")) ?? args[0]);
        if (!interpreter.StartsWith("python", StringComparison.Ordinal))
        {
            return false;
        }
        for (var i = 1; i < args.Length; i++)
        {
            if (Path.GetFileName(args[i]) == "snapshotbackup" || (args[i] == "-m" && i + 1 < args.Length && args[i + 1] == "snapshotbackup"))
            {
                return true;
            }
        }
        return false;
    }

    private static string? ReadLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>btime from /proc/stat: when the machine booted.</summary>
    private static DateTime? BootTime(string procRoot)
    {
        try
        {
            foreach (var line in File.ReadLines(Path.Combine(procRoot, "stat")))
            {
                if (line.StartsWith("btime ", StringComparison.Ordinal)
                    && long.TryParse(line.AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
                {
                    return DateTime.UnixEpoch.AddSeconds(seconds);
                }
            }
        }
        catch (IOException)
        {
        }
        return null;
    }

    /// <summary>Field 22 of /proc/PID/stat: the start in clock ticks (USER_HZ, 100 on Linux) after boot.</summary>
    private static DateTime? StartTime(string processDirectory, DateTime bootTime)
    {
        try
        {
            var stat = File.ReadAllText(Path.Combine(processDirectory, "stat"));
            // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                ? bootTime.AddSeconds(ticks / 100.0)
                : null;
        }
        catch (Exception e) when (e is IOException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }
}
