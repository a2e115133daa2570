namespace SnapshotBackup.Core.Rsync;

/// <summary>What one rsync run copies and how.</summary>
public sealed record RsyncOptions(string Source, string Destination)
{
    public IReadOnlyList<string> Ignore { get; init; } = [];
    public bool Checksum { get; init; }
    public bool DryRun { get; init; }

    /// <summary>Ask rsync for overall progress (<c>--info=progress2</c>).</summary>
    public bool Progress { get; init; }

    /// <summary>
    /// A file listing only the entries to transfer (NUL-separated, relative to <see cref="Source"/>): a backup from the
    /// change journal (<see cref="Journal.JournalList"/>) instead of a walk of the whole source. Null: a full run.
    /// </summary>
    public string? FilesFrom { get; init; }
}
