namespace SnapshotBackup.Core.Configuration;

/// <summary>An rsync-over-ssh source, <c>[user@]host:/path</c>.</summary>
public sealed record RemoteSource(string Destination, string Path)
{
    public static bool TryParse(string source, out RemoteSource remote)
    {
        remote = null!;
        if (source.StartsWith('/'))
        {
            return false;
        }
        var colon = source.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == source.Length - 1)
        {
            return false;
        }
        var destination = source[..colon];
        var path = source[(colon + 1)..];
        if (destination.Contains('/', StringComparison.Ordinal) || destination.StartsWith('-') || !path.StartsWith('/'))
        {
            return false;
        }
        remote = new RemoteSource(destination, path);
        return true;
    }
}
