using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Core.Configuration;

namespace SnapshotBackup.Core.Copies;

/// <summary>Which copy targets hold a copy of each snapshot, matched by identity (received_uuid), for <c>list</c>.</summary>
public static class CopyHolders
{
    /// <summary>How long <c>list</c> waits for a target's lock (a copy to it running) before saying it could not list it.</summary>
    public static readonly TimeSpan ListLockTimeout = TimeSpan.FromSeconds(3);

    /// <summary>How long <c>list</c> waits for a remote target's host to answer (a host that is down costs this, once).</summary>
    public static readonly TimeSpan ListConnectTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// For each of <paramref name="snapshots"/> (names on the volume of <paramref name="config"/>), the targets holding a
    /// copy of it; and each target that could not be listed, with why. Reads only: nothing is cleaned or changed.
    /// </summary>
    public static async Task<(IReadOnlyDictionary<string, IReadOnlyList<string>> Holders, IReadOnlyDictionary<string, string> Unlisted)> FindAsync(
        BackupConfig config, IReadOnlyList<string> snapshots, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(snapshots);
        var holders = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var unlisted = new Dictionary<string, string>(StringComparer.Ordinal);
        if (config.CopyTo.Count == 0 || snapshots.Count == 0)
        {
            return (new Dictionary<string, IReadOnlyList<string>>(), unlisted);
        }
        var byIdentity = new Dictionary<Guid, string>();
        using (var directory = BtrfsManager.Instance.OpenDirectory(config.Backups))
        {
            foreach (var name in snapshots)
            {
                if (directory.Identify(name) is { } identity)
                {
                    byIdentity.TryAdd(identity.SendIdentity, name);
                }
            }
        }
        foreach (var target in config.CopyTo)
        {
            try
            {
                await using var destination = CopyDestinations.Open(target, config.Backups, logger, ListLockTimeout, ListConnectTimeout);
                await destination.ConnectAsync(dryRun: true, cancellationToken).ConfigureAwait(false);
                foreach (var entry in await destination.ListAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (entry.IsCopy && byIdentity.TryGetValue(entry.Identity!.Value.ReceivedUuid, out var name))
                    {
                        if (!holders.TryGetValue(name, out var list))
                        {
                            holders[name] = list = [];
                        }
                        list.Add(target.Spec);
                    }
                }
            }
            catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
            {
                unlisted[target.Spec] = e.Message;
            }
        }
        return (holders.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value, StringComparer.Ordinal), unlisted);
    }
}
