using SnapshotBackup.Core.Configuration;

namespace SnapshotBackup.Core.Copies;

/// <summary>
/// Which source snapshots retention must keep for the copies: for each configured target, the newest snapshot the target
/// holds a copy of (the parent of its next incremental send), as the volume's <see cref="CopyRecords"/> remember it.
/// A target not reached for longer than its <c>copy_decay</c> no longer holds one back (its next copy is a full send).
/// </summary>
public static class CopyChain
{
    /// <summary>The protected snapshot names, each with the targets it is kept for; <paramref name="released"/> gets a
    /// message for each target whose parent is no longer kept because the target was unreachable too long.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Protected(
        BackupConfig config, IReadOnlyDictionary<string, CopyRecord> records, DateTimeOffset now, TimeZoneInfo zone, Action<string>? released = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(records);
        var result = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        if (config.CopyTo.Count == 0)
        {
            return new Dictionary<string, IReadOnlyList<string>>();
        }
        var decay = config.CopyRetention.Decay;
        var cutOff = decay.Before(now, zone);
        foreach (var target in config.CopyTo)
        {
            if (!records.TryGetValue(target.Spec, out var record) || record.CommonParent is not { } parent)
            {
                continue;
            }
            var reached = record.LastReachable ?? record.LastCopy;
            if (reached is null || reached < cutOff)
            {
                released?.Invoke(
                    $"copy target {target.Spec} was last reached {(reached is { } r ? r.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) : "never")}, " +
                    $"longer ago than copy_decay ({decay}): {parent}, its common snapshot, is no longer kept for it; its next copy will be a full send");
                continue;
            }
            if (!result.TryGetValue(parent, out var targets))
            {
                result[parent] = targets = [];
            }
            targets.Add(target.Spec);
        }
        return result.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value, StringComparer.Ordinal);
    }
}
