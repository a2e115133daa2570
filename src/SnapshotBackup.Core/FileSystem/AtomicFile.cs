namespace SnapshotBackup.Core.FileSystem;

/// <summary>
/// Replaces a file all at once (the state file, <c>.copies.json</c>, <c>.pins.json</c>, <c>snapshotbackup.prom</c>): the
/// content goes to a temporary file beside it, <c>.NAME.PID.tmp</c> (hidden, and never matching a glob for NAME), which
/// is renamed over the file; a reader sees the old file or the new one, never half of one. A failed write removes the
/// temporary file.
/// </summary>
public static class AtomicFile
{
    /// <param name="write">Writes the content into the temporary file's stream.</param>
    /// <param name="flushToDisk">fsync before the rename, so a crash leaves the old file or the whole new one.</param>
    /// <param name="mode">Set with chmod before the rename (not through the create mode, which the umask would cut).</param>
    public static void Write(string path, Action<Stream> write, bool flushToDisk = true, UnixFileMode? mode = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(write);
        var temp = TemporaryPath(path);
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                write(stream);
                if (flushToDisk)
                {
                    stream.Flush(flushToDisk: true);
                }
            }
            if (mode is { } m && OperatingSystem.IsLinux())
            {
                File.SetUnixFileMode(temp, m);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>This process's temporary file for <paramref name="path"/>: <c>.NAME.PID.tmp</c> in the same directory.</summary>
    public static string TemporaryPath(string path) =>
        Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path).TrimStart('.')}.{Environment.ProcessId}.tmp");
}
