using SnapshotBackup.Core.State;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Cli;

/// <summary>One section in <c>status</c>: the daemon's record of it and what its backups directory holds.</summary>
/// <param name="State">The daemon's record; null when it has none.</param>
/// <param name="Newest">The newest snapshot on the volume; null when there is none or the volume was not read.</param>
/// <param name="VolumeProblem">Why the volume could not be read (not mounted, missing, not btrfs, ...).</param>
public sealed record StatusSection(string Name, SectionState? State, Snapshot? Newest, string? VolumeProblem)
{
    /// <summary>The newest snapshot is not the daemon's last one and is newer: a backup made outside the daemon.</summary>
    public bool NewestUnrecorded => Newest is { } n
        && n.Name != State?.LastSnapshot
        && (State?.LastSuccess is not { } success || n.Time > success);
}
