using SnapshotBackup.Core.Runs;
using SnapshotBackup.Core.State;

namespace SnapshotBackup.Cli;

/// <summary>
/// The command's runs are not recorded (the state file is the daemon's); the daemon's record of the last success is
/// read for silent_fail_threshold when the volume cannot be read.
/// </summary>
public sealed class CommandRunRecorder(string stateFilePath) : IRunRecorder
{
    public void Started(string section, DateTimeOffset at)
    {
    }

    public void Finished(RunResult result)
    {
    }

    public DateTimeOffset? LastSuccess(string section) =>
        new StateFile(stateFilePath).Read()?.Sections.GetValueOrDefault(section)?.LastSuccess;
}
