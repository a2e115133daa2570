using SnapshotBackup.Core.Configuration;

namespace SnapshotBackup.Core.Hooks;

/// <summary>
/// What a hook is told, only ever through environment variables (nothing of ours is spliced into its command line):
/// SNAPSHOTBACKUP_NAME, _SOURCE, _BACKUPS, _HOOK, and where they apply _SNAPSHOT, _OUTCOME, _ERROR, _DELETED.
/// </summary>
public static class HookEnvironment
{
    public const string Prefix = "SNAPSHOTBACKUP_";

    /// <param name="snapshot">The snapshot just taken (after_backup).</param>
    /// <param name="outcome">succeeded / failed (after_backup, on_failure, after_prune).</param>
    /// <param name="error">Why the run failed (on_failure).</param>
    /// <param name="deleted">The snapshots deleted, separated by spaces (after_prune).</param>
    public static IReadOnlyDictionary<string, string> For(
        BackupConfig config, HookKind kind, string? snapshot = null, string? outcome = null, string? error = null, IEnumerable<string>? deleted = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var variables = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [Prefix + "NAME"] = config.Name,
            [Prefix + "SOURCE"] = config.Source,
            [Prefix + "BACKUPS"] = config.Backups,
            [Prefix + "HOOK"] = kind.Key(),
        };
        if (snapshot is not null)
        {
            variables[Prefix + "SNAPSHOT"] = snapshot;
        }
        if (outcome is not null)
        {
            variables[Prefix + "OUTCOME"] = outcome;
        }
        if (error is not null)
        {
            variables[Prefix + "ERROR"] = error;
        }
        if (deleted is not null)
        {
            variables[Prefix + "DELETED"] = string.Join(' ', deleted);
        }
        return variables;
    }
}
