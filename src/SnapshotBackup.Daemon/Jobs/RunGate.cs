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
    public Task<IDisposable> EnterAsync(string backups, CancellationToken cancellationToken) => EnterAsync([backups], cancellationToken);

    /// <summary>
    /// Waits for every filesystem of <paramref name="paths"/> (a volume and its local copy targets: both ends of a copy),
    /// taken in one global order so that two runs never wait for each other, then for one overall slot; dispose to
    /// release them all.
    /// </summary>
    public async Task<IDisposable> EnterAsync(IEnumerable<string> paths, CancellationToken cancellationToken)
    {
        var held = new List<SemaphoreSlim>();
        try
        {
            foreach (var fileSystem in FileSystems(paths))
            {
                await fileSystem.WaitAsync(cancellationToken).ConfigureAwait(false);
                held.Add(fileSystem);
            }
            var overall = Volatile.Read(ref _overall);
            await overall.WaitAsync(cancellationToken).ConfigureAwait(false);
            return new Lease(held, overall);
        }
        catch
        {
            held.ForEach(s => s.Release());
            throw;
        }
    }

    private List<SemaphoreSlim> FileSystems(IEnumerable<string> paths)
    {
        lock (_perFileSystem)
        {
            return paths.Select(FileSystemKey).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(key =>
            {
                if (!_perFileSystem.TryGetValue(key, out var fileSystem))
                {
                    fileSystem = new SemaphoreSlim(1);
                    _perFileSystem[key] = fileSystem;
                }
                return fileSystem;
            }).ToList();
        }
    }

    public void Dispose()
    {
        // Semaphores are only disposed with the daemon; a replaced one may still be held by a running job.
        _overall.Dispose();
    }

    private sealed class Lease(List<SemaphoreSlim> fileSystems, SemaphoreSlim overall) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                overall.Release();
                fileSystems.ForEach(s => s.Release());
            }
        }
    }
}
