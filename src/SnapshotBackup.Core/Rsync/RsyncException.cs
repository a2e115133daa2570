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

    private static string Compose(int exitCode, string tail)
    {
        var lastLines = string.Join("; ", tail.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(3));
        var full = tail.Contains("No space left on device", StringComparison.Ordinal) ? " — the backup volume is full" : string.Empty;
        return $"rsync failed with exit code {exitCode} ({RsyncExitCodes.Describe(exitCode)}){full}" +
               (lastLines.Length > 0 ? $": {lastLines}" : string.Empty);
    }
}
