using SnapshotBackup.Core.Time;

namespace SnapshotBackup.Core.Notifications;

/// <summary>How a backup run ended, as far as notifications care.</summary>
public enum BackupRunOutcome
{
    Succeeded,

    /// <summary>Source or volume unavailable (an unplugged disk, an unreachable host).</summary>
    Skipped,
    Failed,

    /// <summary>Stopped by the daemon shutting down (or ^C): never notified.</summary>
    Interrupted,
}

/// <summary>Which outcomes are worth a notification.</summary>
public static class NotificationPolicy
{
    /// <summary>
    /// Successes are always notified, interruptions never. Failures (and skips) are silent while the last successful
    /// backup is newer than <paramref name="silentFailThreshold"/>; a section that never succeeded is outside it.
    /// </summary>
    public static bool ShouldNotify(BackupRunOutcome outcome, DateTimeOffset? lastSuccess, Duration silentFailThreshold, DateTimeOffset now) =>
        outcome switch
        {
            BackupRunOutcome.Succeeded => true,
            BackupRunOutcome.Interrupted => false,
            _ => lastSuccess is not { } last || last < silentFailThreshold.Before(now),
        };
}
