using SnapshotBackup.Core.Internal;

namespace SnapshotBackup.Core.Processes;

/// <summary>Finds an installed program by name, as a shell would, and gives its real path.</summary>
public static class ProgramLocator
{
    /// <summary>Searched after <c>$PATH</c>: a daemon's or cron's PATH may lack the sbin directories.</summary>
    public static IReadOnlyList<string> StandardDirectories { get; } = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

    /// <summary>
    /// The first <paramref name="name"/> in <paramref name="pathVariable"/>'s directories, then the standard ones, as a
    /// real path (see <see cref="RealPath"/>); null when there is none.
    /// </summary>
    public static string? Find(string name, string? pathVariable)
    {
        var directories = (pathVariable ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Where(d => d.StartsWith('/'))
            .Concat(StandardDirectories);
        foreach (var directory in directories)
        {
            var candidate = Path.Combine(directory, name);
            if (LibC.Stat(candidate, out _) is { IsDirectory: false } file && (file.Mode & 0b001_001_001) != 0)
            {
                return RealPath(candidate);
            }
        }
        return null;
    }

    /// <summary>
    /// The path with every symlink resolved (<c>/bin/btrfs</c> on a merged-/usr system is <c>/usr/bin/btrfs</c>), unless
    /// the program itself is a symlink to another name: sudo matches a sudoers command by its name and the real path of
    /// its directory, so then only the directory is resolved.
    /// </summary>
    public static string RealPath(string path)
    {
        var name = Path.GetFileName(path);
        if (LibC.RealPath(path) is { } real && Path.GetFileName(real) == name)
        {
            return real;
        }
        return LibC.RealPath(Path.GetDirectoryName(path) ?? "/") is { } directory ? Path.Combine(directory, name) : path;
    }
}
