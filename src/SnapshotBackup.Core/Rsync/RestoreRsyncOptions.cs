namespace SnapshotBackup.Core.Rsync;

/// <summary>
/// What one restore's rsync copies: <see cref="RelativePaths"/> (relative to the snapshot's top, <c>""</c> for all of it)
/// from the snapshot directory <see cref="Snapshot"/> into <see cref="Target"/> (a local directory or
/// <c>user@host:/path</c>), each path landing at its place under the target.
/// </summary>
public sealed record RestoreRsyncOptions(string Snapshot, IReadOnlyList<string> RelativePaths, string Target)
{
    /// <summary>The section's <c>ignore</c> patterns: never restored, and never deleted in the target by <see cref="Delete"/>.</summary>
    public IReadOnlyList<string> Ignore { get; init; } = [];

    /// <summary>Delete what is under the restored directories in the target but not in the snapshot.</summary>
    public bool Delete { get; init; }

    /// <summary>
    /// Compare file contents, not only size and mtime (<c>--checksum</c>), so that a file changed without changing either
    /// is restored too. It reads every file of the snapshot, so it is left out where the target has nothing to compare
    /// with (a new or empty directory).
    /// </summary>
    public bool Checksum { get; init; } = true;

    /// <summary>Change nothing; the itemized changes say what would change.</summary>
    public bool DryRun { get; init; }
}
