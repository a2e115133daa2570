namespace SnapshotBackup.Core.Processes;

/// <summary>An external program and its arguments, as a value: built and tested apart from running it.</summary>
public sealed record ExternalCommand(string FileName, IReadOnlyList<string> Arguments)
{
    /// <summary>Environment variables the child must not inherit (the daemon's notify socket, for one).</summary>
    public static IReadOnlyList<string> StrippedEnvironment { get; } = ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"];

    /// <summary>Extra environment for the child.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public override string ToString() => string.Join(' ', new[] { FileName }.Concat(Arguments).Select(ShellQuoting.QuoteIfNeeded));
}
