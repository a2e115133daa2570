namespace SnapshotBackup.Core.History;

/// <summary>
/// Compares two trees path by path with <see cref="EntryComparer"/>: an entry only in B is added (a directory with its
/// whole subtree), only in A deleted (likewise), in both and different modified; an entry whose type changed from or to
/// a directory brings that directory's subtree as deleted or added. <see cref="CompareAll"/> walks both trees
/// completely (the full compare); <see cref="CompareCandidates"/> looks only at given paths (from a btrfs send stream)
/// and walks below a directory only where A and B hold different directories there (different inode numbers), so it
/// costs what changed. Entries that cannot be read are collected in <see cref="Unreadable"/> and left out.
/// </summary>
public sealed class TreeCompare(EntryTree a, EntryTree b, ContentCheck check)
{
    private readonly Dictionary<string, DiffEntry> _entries = new(StringComparer.Ordinal);
    private readonly HashSet<string> _walked = new(StringComparer.Ordinal);
    private readonly List<string> _unreadable = [];
    private bool _full;

    /// <summary>Entries of B (the source) to treat as absent: (path, is a directory) → excluded. Never descended into.</summary>
    public Func<string, bool, bool>? ExcludedInB { get; init; }

    /// <summary>The changes, sorted ordinally by path.</summary>
    public IReadOnlyList<DiffEntry> Entries => [.. _entries.Values.OrderBy(e => e.Path, StringComparer.Ordinal)];

    /// <summary>"path: reason" for each entry that could not be read (its change, if any, is not in <see cref="Entries"/>).</summary>
    public IReadOnlyList<string> Unreadable => _unreadable;

    /// <summary>Walks both trees completely.</summary>
    public void CompareAll()
    {
        _full = true;
        CompareChildren(string.Empty, aIsDirectory: true, bIsDirectory: true);
    }

    /// <summary>
    /// Classifies each candidate path (every path the change list mentions); paths of other names of a hard-linked
    /// candidate come from <paramref name="otherNames"/> (tree, inode → paths) and are classified too.
    /// </summary>
    public void CompareCandidates(IEnumerable<string> candidates, Func<EntryTree, ulong, IReadOnlyList<string>?>? otherNames = null)
    {
        var pending = candidates.Where(p => p.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        var seen = new HashSet<string>(pending, StringComparer.Ordinal);
        var linked = new HashSet<(bool, ulong)>();
        while (pending.Count > 0)
        {
            pending.Sort(StringComparer.Ordinal); // parents before children: a walked parent covers them
            var more = new List<string>();
            foreach (var path in pending)
            {
                if (UnderWalked(path))
                {
                    continue;
                }
                EntryState? sa, sb;
                try
                {
                    sa = a.Stat(path);
                    sb = b.Stat(path);
                }
                catch (UnreadableEntryException e)
                {
                    _unreadable.Add($"{e.Path}: {e.Reason}");
                    continue;
                }
                CompareEntry(path, sa, sb);
                if (otherNames is null)
                {
                    continue;
                }
                foreach (var (tree, state, side) in new[] { (a, sa, false), (b, sb, true) })
                {
                    if (state is { Nlink: > 1, Type: not EntryType.Directory } && linked.Add((side, state.Inode)))
                    {
                        foreach (var other in otherNames(tree, state.Inode) ?? [])
                        {
                            if (seen.Add(other))
                            {
                                more.Add(other);
                            }
                        }
                    }
                }
            }
            pending = more;
        }
    }

    private bool UnderWalked(string path)
    {
        for (var slash = path.IndexOf('/'); slash > 0; slash = path.IndexOf('/', slash + 1))
        {
            if (_walked.Contains(path[..slash]))
            {
                return true;
            }
        }
        return _walked.Contains(path);
    }

    private void CompareEntry(string path, EntryState? sa, EntryState? sb)
    {
        try
        {
            if (sb is not null && ExcludedInB is { } excluded && excluded(path, sb.Type == EntryType.Directory))
            {
                sb = null;
            }
            if (sa is null && sb is null)
            {
                return;
            }
            if (sa is null)
            {
                Add(new DiffEntry(path, ChangeKind.Added, sb!.Type, SizeOf(sb)));
                if (sb.Type == EntryType.Directory)
                {
                    Walk(b, path, ChangeKind.Added);
                }
                return;
            }
            if (sb is null)
            {
                Add(new DiffEntry(path, ChangeKind.Deleted, sa.Type, SizeOf(sa)));
                if (sa.Type == EntryType.Directory)
                {
                    Walk(a, path, ChangeKind.Deleted);
                }
                return;
            }
            var change = EntryComparer.Compare(a, path, sa, b, path, sb, check);
            if (change is not null)
            {
                Add(new DiffEntry(path, ChangeKind.Modified, sb.Type, SizeOf(sb), sa.Type, SizeOf(sa), change));
            }
            var aDirectory = sa.Type == EntryType.Directory;
            var bDirectory = sb.Type == EntryType.Directory;
            if (aDirectory != bDirectory)
            {
                if (aDirectory)
                {
                    Walk(a, path, ChangeKind.Deleted);
                }
                else
                {
                    Walk(b, path, ChangeKind.Added);
                }
            }
            else if (aDirectory && (_full || sa.Inode != sb.Inode))
            {
                _walked.Add(path);
                CompareChildren(path, true, true);
            }
        }
        catch (UnreadableEntryException e)
        {
            _unreadable.Add($"{(e.Path.Length == 0 ? path : e.Path)}: {e.Reason}");
        }
    }

    private void CompareChildren(string path, bool aIsDirectory, bool bIsDirectory)
    {
        IReadOnlyList<string> namesA, namesB;
        try
        {
            namesA = aIsDirectory ? a.Children(path) : [];
            namesB = bIsDirectory ? b.Children(path) : [];
        }
        catch (UnreadableEntryException e)
        {
            _unreadable.Add($"{e.Path}: {e.Reason}");
            return;
        }
        var prefix = path.Length == 0 ? string.Empty : path + "/";
        int i = 0, j = 0;
        while (i < namesA.Count || j < namesB.Count)
        {
            var order = i == namesA.Count ? 1 : j == namesB.Count ? -1 : string.CompareOrdinal(namesA[i], namesB[j]);
            var name = order <= 0 ? namesA[i] : namesB[j];
            var child = prefix + name;
            try
            {
                var sa = order <= 0 ? a.StatWalked(child) : null;
                var sb = order >= 0 ? b.StatWalked(child) : null;
                CompareEntry(child, sa, sb);
            }
            catch (UnreadableEntryException e)
            {
                _unreadable.Add($"{e.Path}: {e.Reason}");
            }
            if (order <= 0)
            {
                i++;
            }
            if (order >= 0)
            {
                j++;
            }
        }
    }

    /// <summary>Every entry below <paramref name="path"/> in <paramref name="tree"/>, as added (tree B) or deleted (tree A).</summary>
    private void Walk(EntryTree tree, string path, ChangeKind kind)
    {
        _walked.Add(path);
        IReadOnlyList<string> names;
        try
        {
            names = tree.Children(path);
        }
        catch (UnreadableEntryException e)
        {
            _unreadable.Add($"{e.Path}: {e.Reason}");
            return;
        }
        foreach (var name in names)
        {
            var child = path + "/" + name;
            try
            {
                if (tree.StatWalked(child) is not { } state
                    || (kind == ChangeKind.Added && ExcludedInB is { } excluded && excluded(child, state.Type == EntryType.Directory)))
                {
                    continue;
                }
                Add(new DiffEntry(child, kind, state.Type, SizeOf(state)));
                if (state.Type == EntryType.Directory)
                {
                    Walk(tree, child, kind);
                }
            }
            catch (UnreadableEntryException e)
            {
                _unreadable.Add($"{e.Path}: {e.Reason}");
            }
        }
    }

    private void Add(DiffEntry entry) => _entries.TryAdd(entry.Path, entry);

    private static long SizeOf(EntryState state) => state.Type == EntryType.File ? state.Size : 0;
}
