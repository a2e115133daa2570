namespace SnapshotBackup.Core.Restore;

/// <summary>
/// One restore: <see cref="RelativePaths"/> (see <see cref="RestorePaths"/>) from the snapshot
/// <see cref="SnapshotName"/> at <see cref="SnapshotDirectory"/> into <see cref="Target"/> (the source, local or
/// <c>user@host:/path</c>, or another local directory), each at its place under the target.
/// </summary>
public sealed record RestoreRequest(string SnapshotName, string SnapshotDirectory, IReadOnlyList<string> RelativePaths, string Target)
{
    /// <summary>The section's <c>ignore</c> patterns: not restored, and never deleted by <see cref="Delete"/>.</summary>
    public IReadOnlyList<string> Ignore { get; init; } = [];

    /// <summary>Also delete what the restored directories hold in the target but not in the snapshot.</summary>
    public bool Delete { get; init; }

    /// <summary>Compare contents, not only size and mtime (see <see cref="Rsync.RestoreRsyncOptions.Checksum"/>).</summary>
    public bool Checksum { get; init; } = true;

    /// <summary>
    /// Whether the target has anything a restore would compare with: false for a local target that does not exist or is
    /// an empty directory (a restore <c>--to</c> a new directory then copies without reading the snapshot twice).
    /// </summary>
    public static bool HasContent(string target)
    {
        if (Configuration.RemoteSource.TryParse(target, out _))
        {
            return true;
        }
        try
        {
            return Directory.EnumerateFileSystemEntries(target).Any();
        }
        catch (DirectoryNotFoundException)
        {
            return false;
        }
    }

    /// <summary>The paths for people, <c>.</c> for the whole tree: <c>docs/a.txt, photos</c>.</summary>
    public string PathsText => string.Join(", ", RelativePaths.Select(RestorePaths.Display));
}
