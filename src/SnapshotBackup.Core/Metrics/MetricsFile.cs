using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using SnapshotBackup.Core.Internal;

namespace SnapshotBackup.Core.Metrics;

/// <summary>
/// <c>snapshotbackup.prom</c> in the metrics directory, which the command and the daemon both write: each update takes
/// an exclusive flock(2) on the directory itself (no lock file for the textfile collector to trip over), reads the
/// file back (the sections not refreshed keep their series, the counters continue), changes it, and replaces it
/// atomically: a temporary file in the same directory whose name does not end in <c>.prom</c> (node_exporter reads
/// only <c>*.prom</c>), mode 0644, then rename(2). A reader sees the old file or the new one, never a part.
/// </summary>
public sealed class MetricsFile(string directory)
{
    public const string FileName = "snapshotbackup.prom";

    /// <summary>How long an update waits for another writer's lock (an update holds it for milliseconds).</summary>
    public static readonly TimeSpan LockWait = TimeSpan.FromSeconds(5);

    public string Directory { get; } = directory;

    public string Path => System.IO.Path.Combine(Directory, FileName);

    /// <summary>The sections in the file now (empty when there is none yet); for tests and for people.</summary>
    public Dictionary<string, SectionMetrics> Read() => SectionMetrics.FromSamples(PrometheusText.Parse(ReadText()));

    /// <summary>
    /// Under the directory's lock: the file's sections, changed by <paramref name="change"/> (it may add, replace or remove
    /// sections), written back. Throws <see cref="IOException"/> or <see cref="UnauthorizedAccessException"/> when the
    /// directory is missing or not writable, or the lock is not had within <see cref="LockWait"/>.
    /// </summary>
    public void Update(Action<Dictionary<string, SectionMetrics>> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        using var directoryLock = Lock();
        var sections = Read();
        change(sections);
        RemoveLeftovers();
        Write(SectionMetrics.Format(sections.Values));
    }

    /// <summary>Temporary files of writers killed before their rename (no other writer is in the middle of one: the lock is ours).</summary>
    private void RemoveLeftovers()
    {
        foreach (var leftover in System.IO.Directory.EnumerateFiles(Directory, $".{FileName}.*.tmp"))
        {
            File.Delete(leftover);
        }
    }

    private string ReadText()
    {
        try
        {
            return File.ReadAllText(Path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return string.Empty;
        }
    }

    private void Write(string text)
    {
        // No fsync (cheap: a lost file after a power cut is rewritten by the next run); mode 0644 whatever the umask, for
        // the collector.
        FileSystem.AtomicFile.Write(Path, stream => stream.Write(Encoding.UTF8.GetBytes(text)), flushToDisk: false,
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }

    /// <summary>flock(2) on the directory, polled without blocking up to <see cref="LockWait"/>.</summary>
    private DirectoryLock Lock()
    {
        var fd = LibC.Open(Directory, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC, 0);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw errno is LibC.EACCES or LibC.EPERM
                ? new UnauthorizedAccessException($"metrics directory {Directory}: {LibC.ErrorText(errno)}")
                : new IOException($"metrics directory {Directory}: {LibC.ErrorText(errno)}");
        }
        var waited = Stopwatch.StartNew();
        while (LibC.Flock(fd, LibC.LOCK_EX | LibC.LOCK_NB) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if ((errno != LibC.EWOULDBLOCK && errno != LibC.EINTR) || waited.Elapsed > LockWait)
            {
                LibC.Close(fd);
                throw new IOException($"metrics directory {Directory}: cannot lock it: {(errno == LibC.EWOULDBLOCK ? "another writer holds it" : LibC.ErrorText(errno))}");
            }
            Thread.Sleep(10);
        }
        return new DirectoryLock(fd);
    }

    private sealed class DirectoryLock(int fd) : IDisposable
    {
        public void Dispose()
        {
            LibC.ReleaseFlock(fd);
            LibC.Close(fd);
        }
    }
}
