using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Internal;

namespace SnapshotBackup.Core.Restore;

/// <summary>Where a restore writes: the section's source, or <c>--to DIR</c> (a local directory, never inside the backups directory).</summary>
public static class RestoreTarget
{
    /// <summary>
    /// <paramref name="to"/> as an absolute path (relative to <paramref name="workingDirectory"/>), or the source when
    /// null. Refuses a directory inside the backups directory (a restore never writes into the volume or a snapshot).
    /// </summary>
    /// <exception cref="UsageException">an empty or remote <c>--to</c>, or one inside the backups directory.</exception>
    public static string Resolve(string? to, BackupConfig config, string workingDirectory)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (to is null)
        {
            return config.Source;
        }
        if (to.Length == 0)
        {
            throw new UsageException("--to needs a directory");
        }
        if (!to.StartsWith('/') && RemoteSource.TryParse(to, out _))
        {
            throw new UsageException($"--to {to}: give a local directory (a remote source is restored into by leaving out --to)");
        }
        var target = Path.GetFullPath(to, workingDirectory);
        var backups = RealPathOfNearest(Path.GetFullPath(config.Backups, workingDirectory));
        var real = RealPathOfNearest(target);
        if (RestorePaths.Contains(backups.TrimStart('/'), real.TrimStart('/')) || RestorePaths.Contains(real.TrimStart('/'), backups.TrimStart('/')))
        {
            throw new UsageException($"--to {to} is {(real == backups ? "" : "inside or around ")}the backups directory {config.Backups}; a restore never writes there: choose another directory");
        }
        return target;
    }

    /// <summary>
    /// An exclude pattern, anchored at the target's top, for the backups directory when it lies inside the local
    /// <paramref name="target"/> (a source that holds its own backups, <c>ignore</c>d or not): the restore never reads
    /// into it nor deletes it. Null when it is not inside.
    /// </summary>
    public static string? VolumeExclude(string target, string backups)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(backups);
        if (RemoteSource.TryParse(target, out _))
        {
            return null;
        }
        var top = RealPathOfNearest(target).TrimStart('/');
        var volume = RealPathOfNearest(backups).TrimStart('/');
        if (volume == top || !RestorePaths.Contains(top, volume))
        {
            return null;
        }
        var relative = top.Length == 0 ? volume : volume[(top.Length + 1)..];
        // rsync reads a backslash as an escape only in a pattern with wildcards.
        return "/" + (relative.AsSpan().IndexOfAny("*?[") >= 0
            ? string.Concat(relative.Select(c => c is '*' or '?' or '[' or '\\' ? "\\" + c : c.ToString()))
            : relative);
    }

    /// <summary>The real path of <paramref name="path"/>, or of its nearest existing ancestor with the rest appended.</summary>
    private static string RealPathOfNearest(string path)
    {
        var rest = new Stack<string>();
        var current = path;
        while (true)
        {
            if (LibC.RealPath(current) is { } real)
            {
                return rest.Aggregate(real, Path.Combine);
            }
            var parent = Path.GetDirectoryName(current);
            if (parent is null)
            {
                return path;
            }
            rest.Push(Path.GetFileName(current));
            current = parent;
        }
    }
}
