namespace SnapshotBackup.Core.History;

/// <summary>
/// The one definition of "unchanged" for <c>versions</c> and <c>diff</c>: same type, permission bits, owner, group,
/// mtime to the nanosecond, symlink target, device number, extended attributes (ACLs included) and, for regular
/// files, the same bytes. Not atime, ctime or the link count. A directory is its own metadata; its children are
/// entries of their own. The same inode number with the same ctime (an inode a later snapshot shares unchanged)
/// proves everything equal without reading more; otherwise the metadata decides, and the contents as
/// <see cref="ContentCheck"/> allows.
/// </summary>
public static class EntryComparer
{
    /// <summary>The largest file whose bytes <see cref="ContentCheck.ExtentsOnly"/> reads when its extents prove nothing (inline data).</summary>
    public const long InlineLimit = 4096;

    /// <summary>Null when the two entries are equal; otherwise what differs.</summary>
    public static EntryChange? Compare(EntryTree treeA, string pathA, EntryState a, EntryTree treeB, string pathB, EntryState b, ContentCheck check)
    {
        ArgumentNullException.ThrowIfNull(treeA);
        ArgumentNullException.ThrowIfNull(treeB);
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.SameInodeAndCtime(b) && check != ContentCheck.QuickCheck)
        {
            return null;
        }
        var fields = new List<string>(2);
        var sameType = a.Type == b.Type;
        if (!sameType)
        {
            fields.Add("type");
        }
        if (a.Permissions != b.Permissions)
        {
            fields.Add("mode");
        }
        if (a.Uid != b.Uid)
        {
            fields.Add("uid");
        }
        if (a.Gid != b.Gid)
        {
            fields.Add("gid");
        }
        if (a.MtimeSeconds != b.MtimeSeconds || a.MtimeNanoseconds != b.MtimeNanoseconds)
        {
            fields.Add("mtime");
        }
        if (sameType && a.Type == EntryType.Symlink && treeA.LinkTarget(pathA) != treeB.LinkTarget(pathB))
        {
            fields.Add("target");
        }
        if (sameType && a.Type is EntryType.CharDevice or EntryType.BlockDevice && (a.RdevMajor != b.RdevMajor || a.RdevMinor != b.RdevMinor))
        {
            fields.Add("rdev");
        }
        if (!SameXattrs(treeA.Xattrs(pathA), treeB.Xattrs(pathB)))
        {
            fields.Add("xattrs");
        }
        var content = sameType && a.Type == EntryType.File && !SameContent(treeA, pathA, a, treeB, pathB, b, check, fields.Count == 0);
        return content || fields.Count > 0 ? new EntryChange(content, fields) : null;
    }

    private static bool SameXattrs(SortedDictionary<string, byte[]> a, SortedDictionary<string, byte[]> b)
    {
        if (a.Count != b.Count)
        {
            return false;
        }
        foreach (var (name, value) in a)
        {
            if (!b.TryGetValue(name, out var other) || !value.AsSpan().SequenceEqual(other))
            {
                return false;
            }
        }
        return true;
    }

    private static bool SameContent(EntryTree treeA, string pathA, EntryState a, EntryTree treeB, string pathB, EntryState b, ContentCheck check, bool metadataEqual)
    {
        if (a.Size != b.Size)
        {
            return false;
        }
        if (a.Size == 0)
        {
            return true;
        }
        if (check == ContentCheck.QuickCheck)
        {
            return metadataEqual || SameBytes(treeA, pathA, treeB, pathB);
        }
        if (treeA.Extents(pathA) is { } extentsA && treeB.Extents(pathB) is { } extentsB && extentsA.SequenceEqual(extentsB))
        {
            return true;
        }
        // FIEMAP cannot locate data stored inline in btrfs metadata (files up to max_inline, 2 KiB by default): reading
        // such a file costs what reading its attributes does, so even versions reads those few bytes.
        return (check == ContentCheck.ReadBytes || a.Size <= InlineLimit) && SameBytes(treeA, pathA, treeB, pathB);
    }

    private static bool SameBytes(EntryTree treeA, string pathA, EntryTree treeB, string pathB)
    {
        using var fa = treeA.OpenRead(pathA);
        using var fb = treeB.OpenRead(pathB);
        var ba = new byte[256 * 1024];
        var bb = new byte[256 * 1024];
        while (true)
        {
            var na = fa.ReadAtLeast(ba, ba.Length, throwOnEndOfStream: false);
            var nb = fb.ReadAtLeast(bb, bb.Length, throwOnEndOfStream: false);
            if (na != nb || !ba.AsSpan(0, na).SequenceEqual(bb.AsSpan(0, nb)))
            {
                return false;
            }
            if (na == 0)
            {
                return true;
            }
        }
    }
}
