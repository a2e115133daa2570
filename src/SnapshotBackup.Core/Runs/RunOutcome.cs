namespace SnapshotBackup.Core.Runs;

/// <summary>How one backup run ended: the command's and the daemon's one vocabulary (see <see cref="RunOutcomeText"/> for the state file's words).</summary>
public enum RunOutcome
{
    /// <summary>A snapshot was taken (or, for a dry run, the comparison finished).</summary>
    Succeeded,

    /// <summary>Source or volume unavailable (an unplugged disk, an unreachable host): nothing was attempted.</summary>
    Skipped,

    /// <summary>The backup was attempted and did not make a snapshot.</summary>
    Failed,

    /// <summary>Stopped by the daemon shutting down (or ^C): never notified.</summary>
    Interrupted,
}
