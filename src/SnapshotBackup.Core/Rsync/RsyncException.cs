namespace SnapshotBackup.Core.Rsync;

/// <summary>rsync failed: the exit code, rsync's meaning of it, and the end of its error output.</summary>
public sealed class RsyncException : Exception
{
    public RsyncException(int exitCode, string standardErrorTail)
        : base(Compose(exitCode, standardErrorTail))
    {
        ExitCode = exitCode;
        StandardErrorTail = standardErrorTail;
    }

    public RsyncException()
    {
    }

    public RsyncException(string message) : base(message)
    {
    }

    public RsyncException(string message, Exception inner) : base(message, inner)
    {
    }

    public int ExitCode { get; }

    public string StandardErrorTail { get; } = string.Empty;

    /// <summary>True when rsync reported that the destination filesystem is full.</summary>
    public bool DiskFull => StandardErrorTail.Contains("No space left on device", StringComparison.Ordinal);

    /// <summary>
    /// True when rsync failed only on its own defect with hard links and ACLs (rsync 3.2 to 3.5): where the
    /// destination has a directory and the source now a hard-linked file with an ACL, the generator links the file into
    /// place and then asks for the default ACL of what it still takes for the directory, which the kernel refuses for a
    /// file (EACCES), and rsync exits 23. Every file is in place by then, and a second run finds nothing wrong. Only
    /// when every error line is that one (and the tail holds all of them).
    /// </summary>
    public bool StaleDefaultAcl
    {
        get
        {
            if (ExitCode != 23)
            {
                return false;
            }
            var lines = StandardErrorTail.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var acl = lines.Count(l => l.StartsWith("rsync: [generator] get_acl: sys_acl_get_file(", StringComparison.Ordinal)
                                       && l.EndsWith(", ACL_TYPE_DEFAULT): Permission denied (13)", StringComparison.Ordinal));
            var summary = lines.Count(l => l.StartsWith("rsync error: some files/attrs were not transferred", StringComparison.Ordinal));
            return acl > 0 && summary == 1 && acl + summary == lines.Length && lines.Length < Processes.StandardErrorTail.DefaultLines;
        }
    }

    private static string Compose(int exitCode, string tail)
    {
        var lastLines = string.Join("; ", tail.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(3));
        var full = tail.Contains("No space left on device", StringComparison.Ordinal) ? " — the backup volume is full" : string.Empty;
        return $"rsync failed with exit code {exitCode} ({RsyncExitCodes.Describe(exitCode)}){full}" +
               (lastLines.Length > 0 ? $": {lastLines}" : string.Empty);
    }
}
