namespace SnapshotBackup.Tests.Fixtures;

/// <summary>Finds processes by their command line in /proc (no pgrep by name: only this test's own children).</summary>
public static class ProcessScan
{
    /// <summary>Pids of rsync processes with an argument containing <paramref name="marker"/>; none for a null marker.</summary>
    public static List<int> Rsync(string? marker)
    {
        var pids = new List<int>();
        if (marker is null)
        {
            return pids;
        }
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
            if (argv.Length > 0 && Path.GetFileName(argv[0]) == "rsync" && argv.Any(a => a.Contains(marker, StringComparison.Ordinal)))
            {
                pids.Add(pid);
            }
        }
        return pids;
    }
}
