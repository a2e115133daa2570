namespace SnapshotBackup.Core.Btrfs;

/// <summary>
/// Waits for btrfs's cleaner: a deleted subvolume's space is freed in the background, after the deletion returned, and
/// only then shows in the filesystem's free space (<c>min_free</c> measures after each deletion).
/// </summary>
public interface IBtrfsCleaner
{
    /// <summary>Returns once every subvolume deleted so far on the filesystem of <paramref name="path"/> is cleaned up and committed.</summary>
    Task WaitAsync(string path, CancellationToken cancellationToken);
}
