using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Core.Engine;

/// <summary>Deletes snapshots for prune, decay and destroy, checking each one right before it goes.</summary>
internal sealed class SnapshotDeleter(IBtrfsManager btrfs, ILogger logger)
{
    /// <summary>
    /// Deletes snapshots through one directory descriptor, one ioctl each (no process per snapshot). Each is checked
    /// to be a read-only subvolume right before deletion; anything else is skipped and reported. A failed deletion is
    /// recorded and the others still go, except when the user is not allowed to delete at all
    /// (<see cref="SubvolumeDeletionDeniedException"/>): then the rest is not tried (nor asked about).
    /// </summary>
    public DeleteOutcome DeleteSnapshots(BackupVolume volume, IEnumerable<(string Name, Func<bool> Confirm)> targets)
    {
        var deleted = new List<string>();
        var declined = new List<string>();
        var skipped = new List<string>();
        var failed = new List<string>();
        SubvolumeDeletionDeniedException? denied = null;
        var notTried = 0;
        using var dir = btrfs.OpenDirectory(volume.Path);
        foreach (var (name, confirm) in targets)
        {
            if (denied is not null)
            {
                notTried++;
                continue;
            }
            var kind = dir.Inspect(name);
            if (kind != SubvolumeKind.ReadOnlySubvolume)
            {
                skipped.Add($"{name} ({BackupVolume.Describe(kind)})");
                logger.LogWarning("skipped {Name}: it is {Kind}", name, BackupVolume.Describe(kind));
                continue;
            }
            if (!confirm())
            {
                declined.Add(name);
                continue;
            }
            try
            {
                dir.DeleteSubvolume(name);
                logger.LogDebug("deleted {Name}", name);
                deleted.Add(name);
            }
            catch (SubvolumeDeletionDeniedException e)
            {
                denied = e;
                failed.Add($"{name} (not permitted)");
            }
            catch (BtrfsException e)
            {
                failed.Add($"{name} ({e.Message})");
            }
        }
        return new DeleteOutcome(deleted, declined, skipped) { Failed = failed, Failure = Failure(failed, denied, notTried) };
    }

    private static string? Failure(List<string> failed, SubvolumeDeletionDeniedException? denied, int notTried)
    {
        if (denied is not null)
        {
            var rest = notTried == 0 ? string.Empty : $"\n{notTried} more backups to delete were not tried.";
            return denied.Message + rest;
        }
        return failed.Count == 0 ? null : "could not delete " + string.Join("; ", failed);
    }
}
