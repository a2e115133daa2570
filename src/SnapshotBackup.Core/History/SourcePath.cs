using SnapshotBackup.Core.Configuration;

namespace SnapshotBackup.Core.History;

/// <summary>A path as the user names it in the source, turned into a path relative to the source's (and each snapshot's) top.</summary>
public static class SourcePath
{
    /// <summary>
    /// An absolute path must lie in the source (its directory is stripped); a relative one is relative to the source's
    /// top. <c>.</c> and empty components go; <c>..</c> is resolved by name and may not leave the top. "" is the top.
    /// Throws <see cref="UsageException"/> otherwise.
    /// </summary>
    public static string Relative(string path, BackupConfig config)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(config);
        var rest = path;
        if (path.StartsWith('/'))
        {
            var top = (RemoteSource.TryParse(config.Source, out var remote) ? remote.Path : Path.GetFullPath(config.Source)).TrimEnd('/');
            var normal = "/" + string.Join('/', path.Split('/', StringSplitOptions.RemoveEmptyEntries));
            if (normal == top || (top.Length == 0))
            {
                rest = top.Length == 0 ? normal : string.Empty;
            }
            else if (normal.StartsWith(top + "/", StringComparison.Ordinal))
            {
                rest = normal[(top.Length + 1)..];
            }
            else
            {
                throw new UsageException($"{path} is not in the source of '{config.Name}' ({top}); give a path in it, absolute or relative to its top");
            }
        }
        var parts = new List<string>();
        foreach (var part in rest.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
            {
                continue;
            }
            if (part == "..")
            {
                if (parts.Count == 0)
                {
                    throw new UsageException($"{path} leads out of the source of '{config.Name}' ('..' above its top)");
                }
                parts.RemoveAt(parts.Count - 1);
                continue;
            }
            parts.Add(part);
        }
        return string.Join('/', parts);
    }
}
