namespace SnapshotBackup.Core.History;

/// <summary>
/// The distinct versions of one path across snapshots (oldest first): runs of consecutive snapshots in which the
/// entry is equal by <see cref="EntryComparer"/> without reading contents (<see cref="ContentCheck.ExtentsOnly"/>), or
/// absent. An unchanged file keeps its inode and ctime across snapshots, so each snapshot costs one statx (and the
/// opening of its path); attributes, link targets and extents are read only where inode or ctime changed. A version
/// that comes back after a change is listed again, as a new run. A directory is one version while it and everything
/// below it stay equal: its subtree is compared with the previous snapshot's entry by entry (a statx each, the same
/// rule), so a change anywhere below makes a new version.
/// </summary>
public static class VersionFinder
{
    /// <summary>The versions and "snapshot: path: reason" for what could not be read (counted as a change).</summary>
    public static (IReadOnlyList<VersionSpan> Versions, IReadOnlyList<string> Unreadable) Find(
        IReadOnlyList<(string Name, string Directory)> snapshots, string path)
    {
        ArgumentNullException.ThrowIfNull(snapshots);
        ArgumentNullException.ThrowIfNull(path);
        var versions = new List<VersionSpan>();
        var unreadable = new List<string>();
        EntryTree? previousTree = null;
        EntryState? previous = null;
        string? first = null;
        string? last = null;
        var count = 0;
        var below = new BelowCache();
        try
        {
            foreach (var (name, directory) in snapshots)
            {
                EntryTree? tree = null;
                EntryState? state;
                bool same;
                try
                {
                    tree = new EntryTree(directory);
                    state = tree.Stat(path);
                    same = first is not null && Same(previousTree, previous, tree, state, path, unreadable, below);
                }
                catch (UnreadableEntryException e)
                {
                    unreadable.Add($"{name}: {(e.Path.Length == 0 ? "." : e.Path)}: {e.Reason}");
                    tree?.Dispose();
                    tree = null;
                    state = null;
                    same = false;
                }
                if (!same && first is not null)
                {
                    versions.Add(new VersionSpan(first, last!, count, previous));
                    first = null;
                }
                if (first is null)
                {
                    first = name;
                    count = 0;
                }
                last = name;
                count++;
                previousTree?.Dispose();
                previousTree = tree;
                previous = state;
            }
            if (first is not null)
            {
                versions.Add(new VersionSpan(first, last!, count, previous));
            }
        }
        finally
        {
            previousTree?.Dispose();
        }
        return (versions, unreadable);
    }

    /// <summary>The entries below the directory last compared, with the tree they were read from: each snapshot's are read once.</summary>
    private sealed class BelowCache
    {
        public EntryTree? Tree { get; set; }
        public Dictionary<string, EntryState>? States { get; set; }
    }

    private static bool Same(EntryTree? treeA, EntryState? a, EntryTree treeB, EntryState? b, string path, List<string> unreadable, BelowCache cache)
    {
        if (a is null || b is null || treeA is null)
        {
            return a is null && b is null && treeA is not null;
        }
        if (EntryComparer.Compare(treeA, path, a, treeB, path, b, ContentCheck.ExtentsOnly) is not null)
        {
            return false;
        }
        if (a.Type != EntryType.Directory || b.Type != EntryType.Directory)
        {
            return true;
        }
        var before = cache.Tree == treeA && cache.States is { } cached ? cached : Below(treeA, path, unreadable);
        var after = Below(treeB, path, unreadable);
        cache.Tree = treeB;
        cache.States = after;
        return before.Count == after.Count && after.All(e => before.TryGetValue(e.Key, out var old)
            && EntryComparer.Compare(treeA, e.Key, old, treeB, e.Key, e.Value, ContentCheck.ExtentsOnly) is null);
    }

    /// <summary>Every entry below the directory <paramref name="path"/>: a listing per directory and a statx per entry relative to it.</summary>
    private static Dictionary<string, EntryState> Below(EntryTree tree, string path, List<string> unreadable)
    {
        var states = new Dictionary<string, EntryState>(StringComparer.Ordinal);
        var pending = new Stack<string>();
        pending.Push(path);
        while (pending.TryPop(out var directory))
        {
            try
            {
                foreach (var (name, state) in tree.StatChildren(directory))
                {
                    var child = directory.Length == 0 ? name : directory + "/" + name;
                    states[child] = state;
                    if (state.Type == EntryType.Directory)
                    {
                        pending.Push(child);
                    }
                }
            }
            catch (UnreadableEntryException e)
            {
                // Reported once; it does not split the versions.
                var line = $"{Path.GetFileName(tree.Root)}: {(e.Path.Length == 0 ? "." : e.Path)}: {e.Reason}";
                if (unreadable.Count < 100 && !unreadable.Contains(line))
                {
                    unreadable.Add(line);
                }
            }
        }
        return states;
    }
}
