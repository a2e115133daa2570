namespace SnapshotBackup.Daemon.Mounts;

/// <summary>
/// Decides, from two looks at each section's volumes, whose volume appeared: the backups directory is available now and
/// was not (an automount point that the real file system now covers included), or a deeper mount now holds the backups
/// directory or the local source (a disk mounted over them, or over the source's idle automount point). A section seen
/// for the first time (start, added or moved by a reload) has no previous look: when its backups directory is
/// available it is reported as present (<see cref="VolumeChanges.Present"/>), for the caller to compare with what the
/// start-up check saw. Pure; not thread-safe.
/// </summary>
internal sealed class VolumePresence
{
    private Dictionary<string, VolumeLook> _last = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Records <paramref name="looks"/> (the sections configured now) and compares them with the previous ones.</summary>
    public VolumeChanges Update(IReadOnlyDictionary<string, VolumeLook> looks)
    {
        ArgumentNullException.ThrowIfNull(looks);
        var appeared = new List<(string Name, string Where)>();
        var present = new List<(string Name, string Where)>();
        var pending = false;
        foreach (var (name, now) in looks)
        {
            if (!_last.TryGetValue(name, out var before) || before.Backups != now.Backups || before.Source != now.Source)
            {
                if (now.Available)
                {
                    present.Add((name, now.BackupsMount ?? now.Backups));
                }
                continue;
            }
            var backupsMounted = Deeper(now.BackupsMount, before.BackupsMount);
            var sourceMounted = Deeper(now.SourceMount, before.SourceMount)
                || (before.SourceIdle && !now.SourceIdle && now.SourceMount is not null && now.SourceMount == before.SourceMount);
            if (!now.Available)
            {
                // A mount arrived for it, but the directory is not usable (yet): worth another look shortly.
                pending |= backupsMounted || sourceMounted;
                continue;
            }
            if (!before.Available || backupsMounted)
            {
                appeared.Add((name, now.BackupsMount ?? now.Backups));
            }
            else if (sourceMounted)
            {
                appeared.Add((name, now.SourceMount!));
            }
        }
        _last = new Dictionary<string, VolumeLook>(looks, StringComparer.OrdinalIgnoreCase);
        return new VolumeChanges(appeared, pending) { Present = present };
    }

    /// <summary>A mount point below the previous one: something was mounted over the path (unknown, null, is not).</summary>
    private static bool Deeper(string? now, string? before) =>
        now is not null && before is not null && now.Length > before.Length
        && (before == "/" || now.StartsWith(before + "/", StringComparison.Ordinal));
}

/// <summary>
/// The sections whose volume appeared (with the mount point that appeared), and whether one may be about to;
/// <see cref="Present"/>: the sections looked at for the first time whose backups directory is available.
/// </summary>
internal sealed record VolumeChanges(IReadOnlyList<(string Name, string Where)> Appeared, bool Pending)
{
    public IReadOnlyList<(string Name, string Where)> Present { get; init; } = [];
}
