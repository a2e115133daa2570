namespace SnapshotBackup.Core.Runs;

/// <summary>
/// Where runs are remembered: the daemon's state file (written by the daemon, read by the command for the last
/// success when a volume cannot be read).
/// </summary>
public interface IRunRecorder
{
    /// <summary>A run of <paramref name="section"/> started at <paramref name="at"/>.</summary>
    void Started(string section, DateTimeOffset at);

    /// <summary>A run ended (not called for a dry run).</summary>
    void Finished(RunResult result);

    /// <summary>The last success on record, for when the volume itself cannot be read; null when none.</summary>
    DateTimeOffset? LastSuccess(string section);
}
