using SnapshotBackup.Core.Configuration;

namespace SnapshotBackup.Core.Copies;

/// <summary>
/// One <c>copy_to</c> target: a directory on another btrfs filesystem (<see cref="Host"/> null), or
/// <c>[user@]host:/path</c> reached over ssh, where <c>snapshotbackup serve --copies /path</c> receives.
/// </summary>
public sealed record CopyTarget
{
    private CopyTarget(string spec, string? host, string path)
    {
        Spec = spec;
        Host = host;
        Path = path;
    }

    /// <summary>As configured (the target's name in logs, <c>list</c>, <c>status</c> and <c>--to</c>).</summary>
    public string Spec { get; }

    /// <summary><c>[user@]host</c> for a remote target; null for a local directory.</summary>
    public string? Host { get; }

    /// <summary>The absolute directory the copies live in (on the remote host for a remote target).</summary>
    public string Path { get; }

    public bool IsRemote => Host is not null;

    public override string ToString() => Spec;

    public static bool TryParse(string spec, out CopyTarget target, out string error)
    {
        ArgumentNullException.ThrowIfNull(spec);
        target = null!;
        error = string.Empty;
        if (spec.Contains('\0', StringComparison.Ordinal) || spec.Any(char.IsControl))
        {
            error = "a target cannot contain control characters";
            return false;
        }
        if (spec.Split('/').Contains(".."))
        {
            error = "a target path cannot contain '..'";
            return false;
        }
        if (spec.StartsWith('/'))
        {
            var path = Normalize(spec);
            if (path == "/")
            {
                error = "the root directory cannot hold copies; name a directory on the target filesystem";
                return false;
            }
            target = new CopyTarget(path, null, path);
            return true;
        }
        if (RemoteSource.TryParse(spec, out var remote))
        {
            if (remote.Destination.Contains('@', StringComparison.Ordinal) && remote.Destination.IndexOf('@') != remote.Destination.LastIndexOf('@'))
            {
                error = "expected [user@]host:/path";
                return false;
            }
            var path = Normalize(remote.Path);
            if (path == "/")
            {
                error = "the remote root directory cannot hold copies; name a directory";
                return false;
            }
            target = new CopyTarget(remote.Destination + ":" + path, remote.Destination, path);
            return true;
        }
        error = "expected an absolute directory or [user@]host:/path";
        return false;
    }

    /// <summary>No trailing slash, no <c>.</c> or empty components.</summary>
    private static string Normalize(string path)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".");
        return "/" + string.Join('/', parts);
    }
}
