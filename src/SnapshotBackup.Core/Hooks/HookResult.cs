namespace SnapshotBackup.Core.Hooks;

/// <summary>How one hook ended.</summary>
/// <param name="ExitCode">The shell's exit code (128 + N when a signal N killed it); null when we stopped it (timeout, cancellation).</param>
/// <param name="Tail">Its last lines of output (standard output and error, in order), for messages and notifications.</param>
public sealed record HookResult(HookKind Kind, string Command, int? ExitCode, bool TimedOut, TimeSpan Duration, IReadOnlyList<string> Tail)
{
    public bool Succeeded => ExitCode == 0 && !TimedOut;

    /// <summary>One line: <c>before_backup hook failed with exit code 3 after 1.2 s</c> (or timed out), then its last output.</summary>
    public string Describe(TimeSpan timeout)
    {
        var how = TimedOut ? $"did not finish within {timeout.TotalSeconds:0.#} s (hook_timeout) and was stopped"
            : ExitCode is { } code ? $"failed with exit code {code} after {Duration.TotalSeconds:0.0} s"
            : $"was stopped after {Duration.TotalSeconds:0.0} s (interrupted)";
        var output = Tail.Count == 0 ? "" : "; its last output: " + string.Join(" | ", Tail);
        return $"{Kind.Key()} hook {how}{output}";
    }
}
