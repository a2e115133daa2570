using SnapshotBackup.Core.Runs;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Daemon.State;

/// <summary>The daemon's runs go to its state file (read by <c>snapshotbackup status</c>) and to <see cref="VolumeAvailability"/>.</summary>
internal sealed class StateRunRecorder(StateStore state, VolumeAvailability volumes) : IRunRecorder
{
    public void Started(string section, DateTimeOffset at) =>
        state.Update(section, s => s with { LastStart = at, LastOutcome = RunOutcomeText.Running });

    public void Finished(RunResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var outcome = RunOutcomeText.ToText(result.Outcome);
        switch (result.Outcome)
        {
            case RunOutcome.Succeeded:
                state.Update(result.Section, s => s with { LastSuccess = result.Finished, LastSnapshot = result.SnapshotName, LastOutcome = outcome });
                volumes.Record(result.Section, available: true);
                return;
            case RunOutcome.Interrupted:
                state.Update(result.Section, s => s with { LastFailure = result.Finished, LastFailureReason = "interrupted by the daemon stopping", LastOutcome = outcome });
                return;
            default:
                state.Update(result.Section, s => s with { LastFailure = result.Finished, LastFailureReason = result.ErrorMessage, LastOutcome = outcome });
                if (result.Error is VolumeUnavailableException)
                {
                    volumes.Record(result.Section, available: false);
                }
                return;
        }
    }

    public DateTimeOffset? LastSuccess(string section) => state.Get(section).LastSuccess;
}
