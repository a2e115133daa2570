namespace SnapshotBackup.Core.FileSystem;

/// <summary>The plain file operations the engine does outside btrfs: checks of the source, listings, the backups directory.</summary>
public interface IFileSystem
{
    bool DirectoryExists(string path);

    bool FileExists(string path);

    /// <summary>The names (not paths) of the entries directly inside <paramref name="directory"/>.</summary>
    IEnumerable<string> EntryNames(string directory);

    /// <summary>stat (following symlinks) of <paramref name="path"/>; null when it cannot be read.</summary>
    FileIdentity? Identity(string path);

    /// <summary>mkdir -p.</summary>
    void CreateDirectory(string path);

    /// <summary>Removes an empty directory.</summary>
    void DeleteDirectory(string path);

    void DeleteFile(string path);

    /// <summary>Bytes available and total bytes of the filesystem holding <paramref name="path"/>; null when unreadable.</summary>
    (long Available, long Total)? Space(string path);

    /// <summary>Apparent size of a tree (a one-off walk); null when unreadable.</summary>
    long? TreeSize(string path);
}
