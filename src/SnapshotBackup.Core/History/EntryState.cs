namespace SnapshotBackup.Core.History;

/// <summary>
/// One entry's inode as lstat (statx) saw it: what the comparer needs, read with one system call. Symlink targets,
/// extended attributes and contents are read only when the comparer needs them (see <see cref="EntryComparer"/>).
/// </summary>
public sealed record EntryState(
    EntryType Type,
    uint Permissions,
    uint Uid,
    uint Gid,
    long Size,
    long MtimeSeconds,
    uint MtimeNanoseconds,
    long CtimeSeconds,
    uint CtimeNanoseconds,
    ulong Inode,
    uint Nlink,
    uint RdevMajor,
    uint RdevMinor)
{
    /// <summary>The modification time as an instant (to the 100 ns tick).</summary>
    public DateTimeOffset Mtime => DateTimeOffset.FromUnixTimeSeconds(MtimeSeconds).AddTicks(MtimeNanoseconds / 100);

    /// <summary>Same inode number and same change time to the nanosecond: in one lineage of snapshots, the same unchanged inode.</summary>
    public bool SameInodeAndCtime(EntryState other) =>
        Inode == other.Inode && CtimeSeconds == other.CtimeSeconds && CtimeNanoseconds == other.CtimeNanoseconds;

    internal static EntryState From(Internal.LibC.StatxInfo s) => new(
        EntryTypes.FromMode(s.Mode), s.Mode & 0xFFF, s.Uid, s.Gid, s.Size, s.MtimeSeconds, s.MtimeNanoseconds,
        s.CtimeSeconds, s.CtimeNanoseconds, s.Inode, s.Nlink, s.RdevMajor, s.RdevMinor);
}
