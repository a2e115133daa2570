using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Core.Engine;

/// <summary>Deletes snapshots for prune, decay and destroy, checking each one right before it goes.</summary>
internal sealed class SnapshotDeleter(IBtrfsManager btrfs, ILogger logger)
{
    /// <summary>
    /// Deletes snapshots through one directory descriptor, one ioctl each (no process per snapshot). Each is checked
    /// to be a read-only subvolume right before deletion; anything else is skipped and reported.
    /// </summary>
    public DeleteOutcome DeleteSnapshots(BackupVolume volume, IEnumerable<(string Name, Func<bool> Confirm)> targets)
    {
        var deleted = new List<string>();
        var declined = new List<string>();
        var skipped = new List<string>();
        using var dir = btrfs.OpenDirectory(volume.Path);
        foreach (var (name, confirm) in targets)
        {
            var kind = dir.Inspect(name);
            if (kind != SubvolumeKind.ReadOnlySubvolume)
            {
                skipped.Add($"{name} ({BackupVolume.Describe(kind)})");
                logger.LogWarning("skipped {Name}: it is {Kind}", name, BackupVolume.Describe(kind));
            }
            else if (!confirm())
            {
                declined.Add(name);
            }
            else if (TryDelete(dir, name, skipped))
            {
                deleted.Add(name);
            }
        }
        return new DeleteOutcome(deleted, declined, skipped);
    }

    private bool TryDelete(IBtrfsDirectory dir, string name, List<string> skipped)
    {
        try
        {
            dir.DeleteSubvolume(name);
            logger.LogDebug("deleted {Name}", name);
            return true;
        }
        catch (BtrfsException e)
        {
            logger.LogError("{Message}", e.Message);
            skipped.Add($"{name} ({e.Message})");
            return false;
        }
    }
}
