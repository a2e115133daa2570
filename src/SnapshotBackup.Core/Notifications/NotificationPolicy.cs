using SnapshotBackup.Core.Runs;
using SnapshotBackup.Core.Time;

namespace SnapshotBackup.Core.Notifications;

/// <summary>Which outcomes are worth a notification.</summary>
public static class NotificationPolicy
{
    /// <summary>
    /// Successes are always notified, interruptions never. Failures (and skips) are silent while the last successful
    /// backup is newer than <paramref name="silentFailThreshold"/> (counted on the wall clock of
    /// <paramref name="zone"/>, see <see cref="Duration.Before"/>); a section that never succeeded is outside it.
    /// </summary>
    public static bool ShouldNotify(
        RunOutcome outcome, DateTimeOffset? lastSuccess, Duration silentFailThreshold, DateTimeOffset now, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(silentFailThreshold);
        return outcome switch
        {
            RunOutcome.Succeeded => true,
            RunOutcome.Interrupted => false,
            _ => lastSuccess is not { } last || last < silentFailThreshold.Before(now, zone),
        };
    }
}
