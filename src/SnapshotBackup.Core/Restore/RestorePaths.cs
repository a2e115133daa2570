using SnapshotBackup.Core.Configuration;

namespace SnapshotBackup.Core.Restore;

/// <summary>
/// The PATHs of <c>restore</c>, as people name them in the source, to paths relative to the source's top (and so to a
/// snapshot's top): an absolute path must lie under the source (for <c>user@host:/path</c>, under <c>/path</c>, or
/// written as <c>user@host:/path/...</c>), a relative one is relative to the source's top. Purely lexical: <c>..</c>
/// that climbs above the top is refused, symlinks are not followed here (<see cref="CheckInSnapshot"/> refuses a path
/// through a symlink in the snapshot). <c>""</c> stands for the whole tree.
/// </summary>
public static class RestorePaths
{
    /// <summary>The relative path of each of <paramref name="paths"/>, duplicates and paths inside another one dropped, in the given order.</summary>
    /// <exception cref="UsageException">a path outside the source, climbing out of it, or none given.</exception>
    public static IReadOnlyList<string> Resolve(string source, IReadOnlyList<string> paths)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(paths);
        if (paths.Count == 0)
        {
            throw new UsageException("'restore' needs at least one PATH to restore (a file or directory as it is in the source; '.' for all of it)");
        }
        var remote = RemoteSource.TryParse(source, out var r) ? r : null;
        var top = Normalize(remote?.Path ?? source) ?? "/";
        var relatives = new List<string>();
        foreach (var path in paths)
        {
            var relative = Relative(path, top, remote, source);
            if (!relatives.Contains(relative, StringComparer.Ordinal))
            {
                relatives.Add(relative);
            }
        }
        // A path inside another restored path is restored with it (and with --delete, twice would be once too many).
        return relatives.Where(p => !relatives.Any(o => o != p && Contains(o, p))).ToList();
    }

    /// <summary>Whether <paramref name="outer"/> is <paramref name="inner"/> or one of its ancestors (<c>""</c> contains all).</summary>
    public static bool Contains(string outer, string inner)
    {
        ArgumentNullException.ThrowIfNull(outer);
        ArgumentNullException.ThrowIfNull(inner);
        return outer.Length == 0 || inner == outer || inner.StartsWith(outer + "/", StringComparison.Ordinal);
    }

    /// <summary>A relative path for people: <c>.</c> for the whole tree.</summary>
    public static string Display(string relative) => relative.Length == 0 ? "." : relative;

    /// <summary>
    /// Each path must be in the snapshot, every directory on its way a real directory there (not a symlink, which would
    /// lead out of the snapshot).
    /// </summary>
    /// <exception cref="UsageException">naming the path, the snapshot, and <c>versions</c> to find one that has it.</exception>
    public static void CheckInSnapshot(string snapshotDirectory, string snapshotName, string backupName, IReadOnlyList<string> relatives)
    {
        ArgumentNullException.ThrowIfNull(relatives);
        foreach (var relative in relatives)
        {
            var parts = relative.Length == 0 ? [] : relative.Split('/');
            var current = snapshotDirectory;
            for (var i = 0; i < parts.Length; i++)
            {
                current = Path.Combine(current, parts[i]);
                FileAttributes attributes;
                try
                {
                    attributes = File.GetAttributes(current);
                }
                catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
                {
                    throw new UsageException(
                        $"{relative} is not in snapshot {snapshotName}; 'snapshotbackup versions {backupName} {relative}' lists the snapshots that have it");
                }
                catch (UnauthorizedAccessException)
                {
                    throw new UsageException($"{relative}: cannot read {current} in snapshot {snapshotName} (permission denied)");
                }
                var last = i == parts.Length - 1;
                if (!last && ((attributes & FileAttributes.ReparsePoint) != 0 || (attributes & FileAttributes.Directory) == 0))
                {
                    var what = (attributes & FileAttributes.ReparsePoint) != 0 ? "a symlink" : "not a directory";
                    throw new UsageException(
                        $"{relative}: {string.Join('/', parts.Take(i + 1))} is {what} in snapshot {snapshotName}; 'snapshotbackup versions {backupName} {relative}' lists the snapshots that have it");
                }
            }
        }
    }

    /// <summary>
    /// The paths that undo a restore of <paramref name="relatives"/> from the snapshot taken before it (at
    /// <paramref name="beforeDirectory"/>), with <c>--delete</c>: each path itself where that snapshot has it, else (the
    /// restore created it) its nearest ancestor that snapshot has as a directory, whose <c>--delete</c> removes it.
    /// </summary>
    public static IReadOnlyList<string> UndoPaths(string beforeDirectory, IReadOnlyList<string> relatives)
    {
        ArgumentNullException.ThrowIfNull(relatives);
        var undo = new List<string>();
        foreach (var relative in relatives)
        {
            var path = relative;
            while (path.Length > 0 && !ExistsAsItself(beforeDirectory, path))
            {
                var slash = path.LastIndexOf('/');
                path = slash < 0 ? string.Empty : path[..slash];
            }
            if (!undo.Contains(path, StringComparer.Ordinal))
            {
                undo.Add(path);
            }
        }
        return undo.Where(p => !undo.Any(o => o != p && Contains(o, p))).ToList();
    }

    /// <summary>The path and every directory on its way exist in the snapshot, none of them a symlink but the last.</summary>
    private static bool ExistsAsItself(string snapshotDirectory, string relative)
    {
        var parts = relative.Split('/');
        var current = snapshotDirectory;
        for (var i = 0; i < parts.Length; i++)
        {
            current = Path.Combine(current, parts[i]);
            try
            {
                var attributes = File.GetAttributes(current);
                if (i < parts.Length - 1 && ((attributes & FileAttributes.ReparsePoint) != 0 || (attributes & FileAttributes.Directory) == 0))
                {
                    return false;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return false;
            }
        }
        return true;
    }

    private static string Relative(string path, string top, RemoteSource? remote, string source)
    {
        if (path.Length == 0)
        {
            throw new UsageException("an empty PATH: give a file or directory as it is in the source ('.' for all of it)");
        }
        var given = path;
        if (remote is not null && RemoteSource.TryParse(path, out var remotePath))
        {
            if (remotePath.Destination != remote.Destination)
            {
                throw new UsageException($"{given} is not in the source {source}");
            }
            path = remotePath.Path;
        }
        if (path.StartsWith('/'))
        {
            var normalized = Normalize(path) ?? throw new UsageException($"{given} is not in the source {source}");
            if (normalized == top)
            {
                return string.Empty;
            }
            var prefix = top == "/" ? "/" : top + "/";
            if (!normalized.StartsWith(prefix, StringComparison.Ordinal))
            {
                throw new UsageException($"{given} is not in the source {source}; give a path under {top}, or one relative to it");
            }
            return normalized[prefix.Length..];
        }
        var relative = Normalize("/" + path) ?? throw new UsageException($"{given} climbs out of the source {source} ('..')");
        return relative.TrimStart('/');
    }

    /// <summary>A lexically normal absolute path (no <c>.</c>, <c>..</c>, empty or trailing parts); null when <c>..</c> climbs above <c>/</c>.</summary>
    private static string? Normalize(string absolute)
    {
        var parts = new List<string>();
        foreach (var part in absolute.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }
            if (part == "..")
            {
                if (parts.Count == 0)
                {
                    return null;
                }
                parts.RemoveAt(parts.Count - 1);
                continue;
            }
            parts.Add(part);
        }
        return "/" + string.Join('/', parts);
    }
}
