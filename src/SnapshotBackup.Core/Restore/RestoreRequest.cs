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

    /// <summary>The paths for people, <c>.</c> for the whole tree: <c>docs/a.txt, photos</c>.</summary>
    public string PathsText => string.Join(", ", RelativePaths.Select(RestorePaths.Display));
}
