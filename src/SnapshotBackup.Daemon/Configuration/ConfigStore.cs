namespace SnapshotBackup.Daemon.Configuration;

/// <summary>The configuration in force; a reload replaces it whole, so a running job keeps the one it started with.</summary>
internal sealed class ConfigStore(DaemonConfig initial, IReadOnlyList<string> explicitPaths)
{
    private DaemonConfig _current = initial;

    public DaemonConfig Current => Volatile.Read(ref _current);

    /// <summary>The <c>-c</c> paths in order, or none for the standard file search.</summary>
    public IReadOnlyList<string> ExplicitPaths { get; } = explicitPaths;

    /// <summary>Raised after <see cref="Replace"/> (on the reloading thread; handlers must be quick and not throw).</summary>
    public event Action? Replaced;

    public void Replace(DaemonConfig config)
    {
        Volatile.Write(ref _current, config);
        Replaced?.Invoke();
    }
}
