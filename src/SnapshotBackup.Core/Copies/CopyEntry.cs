using SnapshotBackup.Core.Btrfs;

namespace SnapshotBackup.Core.Copies;

/// <summary>
/// One timestamp-named entry in a copy target's directory. Entries without a timestamp name are never listed (and never
/// touched). <see cref="Identity"/> is null for anything that is not a subvolume.
/// </summary>
public sealed record CopyEntry(string Name, DateTimeOffset Time, SubvolumeKind Kind, SubvolumeIdentity? Identity)
{
    /// <summary>A finished copy: a read-only subvolume with received_uuid set.</summary>
    public bool IsCopy => Kind == SubvolumeKind.ReadOnlySubvolume && Identity is { IsReceived: true };

    /// <summary>A cut receive: a writable subvolume without received_uuid (deleted and sent again).</summary>
    public bool IsPartial => Kind == SubvolumeKind.WritableSubvolume && Identity is { IsPartialReceive: true };

    /// <summary>Neither a copy nor a partial receive: never touched, reported.</summary>
    public bool IsForeign => !IsCopy && !IsPartial;
}
