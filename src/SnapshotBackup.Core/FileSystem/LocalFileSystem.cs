using SnapshotBackup.Core.Internal;

namespace SnapshotBackup.Core.FileSystem;

/// <summary>The real file system.</summary>
public sealed class LocalFileSystem : IFileSystem
{
    public static LocalFileSystem Instance { get; } = new();

    public bool DirectoryExists(string path) => Directory.Exists(path);

    public bool FileExists(string path) => File.Exists(path);

    public IEnumerable<string> EntryNames(string directory) =>
        Directory.EnumerateFileSystemEntries(directory).Select(e => Path.GetFileName(e));

    public FileIdentity? Identity(string path) => LibC.Stat(path, out _) is { } s ? new FileIdentity(s.Device, s.Inode) : null;

    public void CreateDirectory(string path) => Directory.CreateDirectory(path);

    public void DeleteDirectory(string path) => Directory.Delete(path);

    public void DeleteFile(string path) => File.Delete(path);

    public (long Available, long Total)? Space(string path) => LibC.FileSystemSpace(path);

    public long? TreeSize(string path)
    {
        try
        {
            var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
            return new DirectoryInfo(path).EnumerateFiles("*", options).Sum(f => f.Length);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
