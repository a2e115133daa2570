using System.Diagnostics;

namespace SnapshotBackup.Tests.Fixtures;

/// <summary>Finds processes by their command line in /proc (no pgrep by name: only this test's own children).</summary>
public static class ProcessScan
{
    /// <summary>Pids of rsync processes with an argument containing <paramref name="marker"/>; none for a null marker.</summary>
    public static List<int> Rsync(string? marker) =>
        marker is null
            ? []
            : Find(argv => argv.Length > 0 && Path.GetFileName(argv[0]) == "rsync" && argv.Any(a => a.Contains(marker, StringComparison.Ordinal)));

    /// <summary>Pids of <c>btrfs VERB</c> processes with an argument containing <paramref name="marker"/>.</summary>
    public static List<int> Btrfs(string verb, string marker) =>
        Find(argv => argv.Length > 1 && Path.GetFileName(argv[0]) == "btrfs" && argv[1] == verb && argv.Any(a => a.Contains(marker, StringComparison.Ordinal)));

    /// <summary>Pids of the processes whose argument vector <paramref name="matches"/>.</summary>
    public static List<int> Find(Func<string[], bool> matches)
    {
        var pids = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }
            string[] argv;
            try
            {
                argv = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0', StringSplitOptions.RemoveEmptyEntries);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            if (matches(argv))
            {
                pids.Add(pid);
            }
        }
        return pids;
    }

    /// <summary>
    /// Waits until an rsync with <paramref name="marker"/> in its arguments runs; fails the test when
    /// <paramref name="starter"/> (what should start it) ends first, or after <paramref name="timeout"/>.
    /// </summary>
    /// <param name="describe">What to add to a failure (the starter's output).</param>
    public static void AwaitRsync(string marker, Process starter, TimeSpan timeout, Func<string> describe)
    {
        ArgumentNullException.ThrowIfNull(starter);
        ArgumentNullException.ThrowIfNull(describe);
        var seen = Poll.Until(() => Rsync(marker).Count > 0 || starter.HasExited, timeout, TimeSpan.FromMilliseconds(50));
        if (Rsync(marker).Count > 0)
        {
            return;
        }
        Assert.Fail(seen
            ? $"ended before rsync was seen: exit {starter.ExitCode}\n{describe()}"
            : $"rsync did not start within {timeout.TotalSeconds:0} s\n{describe()}");
    }

    /// <summary>rsync processes with <paramref name="marker"/> still alive after up to 10 s (after their parent died: should be none).</summary>
    public static List<int> SurvivingRsync(string? marker)
    {
        Poll.Until(() => Rsync(marker).Count == 0, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(200));
        return Rsync(marker);
    }
}
