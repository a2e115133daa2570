namespace SnapshotBackup.Core.Btrfs;

/// <summary>The btrfs operations the engine needs; every name is an entry directly inside <c>directory</c>.</summary>
public interface IBtrfsManager
{
    bool IsBtrfs(string path);

    SubvolumeKind Inspect(string directory, string name);

    void CreateSubvolume(string directory, string name);

    /// <summary>Snapshots <paramref name="directory"/>/<paramref name="source"/> as <paramref name="name"/> in the same directory.</summary>
    void CreateSnapshot(string directory, string source, string name, bool readOnly);

    void DeleteSubvolume(string directory, string name);

    void SyncFileSystem(string path);

    /// <summary>Opens <paramref name="path"/> once for a batch of inspections and deletions (a listing, a prune).</summary>
    IBtrfsDirectory OpenDirectory(string path);
}
