namespace SnapshotBackup.Core.Retention;

/// <summary>Why the retention policy gives up a backup, in words, for dry runs and logs.</summary>
public static class RetentionReason
{
    /// <summary>Why <paramref name="entry"/> is a prune candidate: each rule that would have kept it, and why it does not.</summary>
    public static string Prune(BackupEntry entry, RetentionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(settings);
        return "prune candidate: " + RetentionPlan.PruneReason(entry, settings);
    }

    /// <summary>Why <paramref name="entry"/> is a decay candidate.</summary>
    public static string Decay(RetentionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return $"decay candidate: older than decay ({settings.Decay})";
    }
}
