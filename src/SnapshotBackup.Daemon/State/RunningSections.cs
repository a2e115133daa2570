namespace SnapshotBackup.Daemon.State;

/// <summary>
/// The sections whose backup job is executing now (from its start, waiting for its slot included, to its end): the
/// mount watcher starts nothing for a volume that appears during the section's own run (a <c>before_backup</c> that
/// mounts the disk, an automount point the run itself reads). Thread-safe.
/// </summary>
internal sealed class RunningSections
{
    private readonly Dictionary<string, int> _running = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Marks <paramref name="name"/> running until the result is disposed.</summary>
    public IDisposable Enter(string name)
    {
        lock (_running)
        {
            _running[name] = _running.GetValueOrDefault(name) + 1;
        }
        return new Leave(this, name);
    }

    public bool IsRunning(string name)
    {
        lock (_running)
        {
            return _running.ContainsKey(name);
        }
    }

    private void Exit(string name)
    {
        lock (_running)
        {
            if (_running.TryGetValue(name, out var count) && count > 1)
            {
                _running[name] = count - 1;
            }
            else
            {
                _running.Remove(name);
            }
        }
    }

    private sealed class Leave(RunningSections owner, string name) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Exit(name);
            }
        }
    }
}
