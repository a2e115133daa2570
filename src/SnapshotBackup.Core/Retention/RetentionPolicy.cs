namespace SnapshotBackup.Core.Retention;

/// <summary>The original snapshotbackup's retention rules, as a pure function of the backups, the settings and now.</summary>
public static class RetentionPolicy
{
    /// <summary>Evaluates every backup; the result is sorted oldest first.</summary>
    public static IReadOnlyList<BackupEntry> Evaluate(
        IEnumerable<(string Name, DateTimeOffset Time)> backups, RetentionSettings settings, DateTimeOffset now) =>
        throw new NotImplementedException();
}
