using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.FileSystem;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Core.Engine;

/// <summary>
/// Everything the engine's operations touch outside themselves, each behind an interface: btrfs, the mount table, the
/// plain file system, the volume lock and the clock. <see cref="System"/> is the real machine; tests pass fakes.
/// </summary>
public sealed record EngineEnvironment(IBtrfsManager Btrfs, IMountTable MountTable, IFileSystem FileSystem, IVolumeLocks Locks, TimeProvider Time)
{
    /// <summary>This machine: the given btrfs manager, /etc/fstab and /proc/self/mountinfo, the local files, flock.</summary>
    public static EngineEnvironment System(IBtrfsManager btrfs, TimeProvider time) =>
        new(btrfs, Volume.MountTable.System, LocalFileSystem.Instance, new FlockVolumeLocks(time), time);

    /// <summary>Waits for btrfs to free a deleted snapshot's space (<c>min_free</c>); <see cref="BtrfsCleaner"/> unless set.</summary>
    public IBtrfsCleaner Cleaner { get; init; } =
        new BtrfsCleaner(new Processes.ProcessRunner(Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance),
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);

    public BackupVolume VolumeOf(BackupConfig config) => new(config.Backups, Btrfs, MountTable, FileSystem);

    /// <summary>The volume of <paramref name="config"/>, after checking it is mounted, exists and is on btrfs.</summary>
    public BackupVolume AvailableVolumeOf(BackupConfig config)
    {
        var volume = VolumeOf(config);
        volume.EnsureAvailable(config.Name);
        return volume;
    }

    /// <summary>Takes the volume's lock at once or throws <see cref="VolumeLockedException"/>.</summary>
    public IDisposable Lock(BackupVolume volume, BackupConfig config) => Locks.Acquire(volume.Path, config.Name);
}
