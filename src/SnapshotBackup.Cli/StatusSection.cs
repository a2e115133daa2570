using SnapshotBackup.Core.State;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Cli;

/// <summary>One section in <c>status</c>: the daemon's record of it and what its backups directory holds.</summary>
/// <param name="State">The daemon's record; null when it has none.</param>
/// <param name="Newest">The newest snapshot on the volume; null when there is none or the volume was not read.</param>
/// <param name="VolumeProblem">Why the volume could not be read (not mounted, missing, not btrfs, ...).</param>
public sealed record StatusSection(string Name, SectionState? State, Snapshot? Newest, string? VolumeProblem)
{
    /// <summary>Each <c>copy_to</c> target with what the volume remembers of it (null: never tried).</summary>
    public IReadOnlyList<(string Target, SnapshotBackup.Core.Copies.CopyRecord? Record)> Copies { get; init; } = [];

    /// <summary>How far the newest copy on a target is behind the newest snapshot (zero when up to date); null when unknown.</summary>
    public TimeSpan? Lag(SnapshotBackup.Core.Copies.CopyRecord? record) =>
        Newest is { } newest && record?.NewestCopy is { } copy && SnapshotName.TryParse(copy, out var copied)
            ? newest.Time > copied ? newest.Time - copied : TimeSpan.Zero
            : null;

    /// <summary>The newest snapshot is not the daemon's last one and is newer: a backup made outside the daemon.</summary>
    public bool NewestUnrecorded => Newest is { } n
        && n.Name != State?.LastSnapshot
        && (State?.LastSuccess is not { } success || n.Time > success);
}
