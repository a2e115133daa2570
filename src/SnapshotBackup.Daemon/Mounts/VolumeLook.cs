using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Daemon.Mounts;

/// <summary>
/// One look at a section's volumes after a mount table change: whether its backups directory is usable (the engine's
/// availability check) and the mount points that hold it and its local source (null for a remote source);
/// <see cref="SourceIdle"/>: the source's mount is an automount point with nothing mounted on it yet.
/// </summary>
internal sealed record VolumeLook(string Backups, string? Source, bool Available, string? BackupsMount, string? SourceMount, bool SourceIdle = false)
{
    /// <summary>The file system type of an automount point (systemd's <c>x-systemd.automount</c>, autofs).</summary>
    public const string Automount = "autofs";

    /// <summary>
    /// Looks at one section, the mount table first: when the mount that holds <paramref name="backups"/> is an idle
    /// automount point (autofs with nothing mounted over it), the directory is not available and is not touched (reading
    /// it would mount the disk: it would never idle, and every unrelated mount would wake it); otherwise
    /// <paramref name="ensureAvailable"/> (the engine's check, which reads it) decides.
    /// </summary>
    public static VolumeLook Take(string backups, string? source, MountTable mounts, Action ensureAvailable)
    {
        ArgumentNullException.ThrowIfNull(mounts);
        ArgumentNullException.ThrowIfNull(ensureAvailable);
        var backupsMount = mounts.MountOf(backups);
        var available = false;
        if (backupsMount?.FileSystemType != Automount)
        {
            try
            {
                ensureAvailable();
                available = true;
            }
            catch (Exception e) when (e is not (OperationCanceledException or OutOfMemoryException))
            {
                available = false;
            }
        }
        var sourceMount = source is null ? null : mounts.MountOf(source);
        return new VolumeLook(backups, source, available, backupsMount?.MountPoint, sourceMount?.MountPoint, sourceMount?.FileSystemType == Automount);
    }
}
