using SnapshotBackup.Core.Configuration;

namespace SnapshotBackup.Core.Runs;

/// <summary>Tells people how a run ended (desktop notifications); see <see cref="Notifications.BackupNotifier"/>.</summary>
public interface IRunNotifier
{
    /// <summary>
    /// Notifies <paramref name="outcome"/> when <see cref="Notifications.NotificationPolicy"/> says so. Never throws.
    /// </summary>
    /// <param name="detail">The snapshot name for a success, the reason for a failure.</param>
    /// <param name="lastSuccess">When the section last backed up successfully (see <see cref="LastSuccess"/>).</param>
    Task NotifyRunAsync(BackupConfig config, RunOutcome outcome, string? detail, DateTimeOffset? lastSuccess, DateTimeOffset now, CancellationToken cancellationToken);
}
