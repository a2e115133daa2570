using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Copies;
using SnapshotBackup.Core.Retention;

namespace SnapshotBackup.Core.Engine;

/// <summary>
/// The snapshots no deletion by policy may touch (prune, decay, <c>min_free</c>): the pinned ones
/// (<see cref="PinRecords"/>; an unreadable pins file throws <see cref="PinsUnreadableException"/>, so nothing is
/// deleted) and each copy target's common snapshot (<see cref="CopyChain"/>): deleting it would make the next copy a
/// full send. The copy records are read only when asked about.
/// </summary>
internal sealed class SnapshotProtection
{
    private readonly Lazy<IReadOnlyDictionary<string, IReadOnlyList<string>>> _copyParents;

    private SnapshotProtection(IReadOnlyDictionary<string, Pin> pins, Func<IReadOnlyDictionary<string, IReadOnlyList<string>>> copyParents)
    {
        Pins = pins;
        _copyParents = new(copyParents);
    }

    public IReadOnlyDictionary<string, Pin> Pins { get; }

    /// <summary>Each copy target's common snapshot and the targets it is the parent for.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> CopyParents => _copyParents.Value;

    /// <summary>Reads the pins now (throws when unreadable) and the copy records when first needed.</summary>
    /// <param name="at">The moment the copy targets' reachability is judged at (<c>plan --at</c>); null: now.</param>
    public static SnapshotProtection Read(BackupConfig config, TimeProvider time, ILogger logger, DateTimeOffset? at = null) =>
        new(new PinRecords(config.Backups).Read(), () => config.CopyTo.Count == 0
            ? new Dictionary<string, IReadOnlyList<string>>()
            : CopyChain.Protected(
                config, new CopyRecords(config.Backups).Read(), at ?? time.GetLocalNow(), time.LocalTimeZone,
                message => logger.LogWarning("{Backup}: {Message}", config.Name, message)));

    public bool IsProtected(string name) => Pins.ContainsKey(name) || CopyParents.ContainsKey(name);

    /// <summary>
    /// <paramref name="candidates"/> less the protected ones, each of those logged as kept by <paramref name="what"/>
    /// (prune, decay). The copy records are not read when the pins leave nothing.
    /// </summary>
    public List<BackupEntry> Without(IReadOnlyList<BackupEntry> candidates, string what, ILogger logger)
    {
        foreach (var entry in candidates.Where(e => Pins.ContainsKey(e.Name)))
        {
            var note = Pins[entry.Name].Note;
            logger.LogInformation("{What}: keeping {Snapshot}, pinned{Note}", what, entry.Name, note is null ? string.Empty : ": " + note);
        }
        var unpinned = candidates.Where(e => !Pins.ContainsKey(e.Name)).ToList();
        if (unpinned.Count == 0)
        {
            return unpinned;
        }
        foreach (var entry in unpinned.Where(e => CopyParents.ContainsKey(e.Name)))
        {
            logger.LogInformation(
                "{What}: keeping {Snapshot}, the common snapshot of copy target {Targets} (the parent of its next incremental copy)",
                what, entry.Name, string.Join(", ", CopyParents[entry.Name]));
        }
        return unpinned.Where(e => !CopyParents.ContainsKey(e.Name)).ToList();
    }
}
