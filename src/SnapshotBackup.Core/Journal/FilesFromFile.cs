using System.Text;

namespace SnapshotBackup.Core.Journal;

/// <summary>rsync's <c>--files-from</c> list of a journal backup: a private temporary file (mode 600), NUL-separated, deleted when disposed.</summary>
public sealed class FilesFromFile : IDisposable
{
    private FilesFromFile(string path) => Path = path;

    public string Path { get; }

    public static FilesFromFile Write(IReadOnlyList<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException();
        }
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"snapshotbackup-files-{Guid.NewGuid():N}");
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        };
        using (var stream = new FileStream(path, options))
        {
            var encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
            foreach (var entry in paths)
            {
                stream.Write(encoding.GetBytes(entry));
                stream.WriteByte(0);
            }
        }
        return new FilesFromFile(path);
    }

    public void Dispose()
    {
        try
        {
            File.Delete(Path);
        }
        catch (IOException)
        {
            // A temporary file; the next boot clears it.
        }
    }
}
