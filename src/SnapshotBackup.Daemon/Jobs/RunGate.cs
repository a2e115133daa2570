using SnapshotBackup.Core.Btrfs;

namespace SnapshotBackup.Daemon.Jobs;

/// <summary>
/// Bounds parallel work: at most <c>max_concurrent</c> backups overall, and never two operations on one btrfs
/// filesystem at once (keyed by the filesystem's UUID, so subvolumes of one disk share a key).
/// </summary>
internal sealed class RunGate : IDisposable
{
    private readonly Dictionary<string, SemaphoreSlim> _perFileSystem = new(StringComparer.Ordinal);
    private SemaphoreSlim _overall;
    private int _max;

    public RunGate(int maxConcurrent)
    {
        _max = Math.Max(1, maxConcurrent);
        _overall = new SemaphoreSlim(_max);
    }

    /// <summary>Takes effect for runs that start afterwards (compared with the configured bound, not the free slots).</summary>
    public void Configure(int maxConcurrent)
    {
        maxConcurrent = Math.Max(1, maxConcurrent);
        if (maxConcurrent != _max)
        {
            _max = maxConcurrent;
            Volatile.Write(ref _overall, new SemaphoreSlim(maxConcurrent));
        }
    }

    public static string FileSystemKey(string backups) =>
        BtrfsManager.FileSystemId(backups)?.ToString() ?? "path:" + backups;

    /// <summary>Waits for the filesystem, then for an overall slot; dispose to release both.</summary>
    public async Task<IDisposable> EnterAsync(string backups, CancellationToken cancellationToken)
    {
        SemaphoreSlim fileSystem;
        lock (_perFileSystem)
        {
            var key = FileSystemKey(backups);
            if (!_perFileSystem.TryGetValue(key, out fileSystem!))
            {
                fileSystem = new SemaphoreSlim(1);
                _perFileSystem[key] = fileSystem;
            }
        }
        await fileSystem.WaitAsync(cancellationToken).ConfigureAwait(false);
        var overall = Volatile.Read(ref _overall);
        try
        {
            await overall.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            fileSystem.Release();
            throw;
        }
        return new Lease(fileSystem, overall);
    }

    public void Dispose()
    {
        // Semaphores are only disposed with the daemon; a replaced one may still be held by a running job.
        _overall.Dispose();
    }

    private sealed class Lease(SemaphoreSlim fileSystem, SemaphoreSlim overall) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                overall.Release();
                fileSystem.Release();
            }
        }
    }
}
