namespace SnapshotBackup.Daemon.State;

/// <summary>
/// The sections whose backups directory was found unavailable (missing, not btrfs, disk not mounted) by the last look
/// at it: a catch-up check or a run. A reload catches up the ones that have become available since.
/// </summary>
internal sealed class VolumeAvailability
{
    private readonly HashSet<string> _unavailable = new(StringComparer.OrdinalIgnoreCase);

    public void Record(string name, bool available)
    {
        lock (_unavailable)
        {
            if (available)
            {
                _unavailable.Remove(name);
            }
            else
            {
                _unavailable.Add(name);
            }
        }
    }

    public bool WasUnavailable(string name)
    {
        lock (_unavailable)
        {
            return _unavailable.Contains(name);
        }
    }

    /// <summary>Forgets sections that are no longer configured.</summary>
    public void Retain(IReadOnlySet<string> names)
    {
        lock (_unavailable)
        {
            _unavailable.RemoveWhere(n => !names.Contains(n));
        }
    }
}
