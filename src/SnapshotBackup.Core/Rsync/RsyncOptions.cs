namespace SnapshotBackup.Core.Rsync;

/// <summary>What one rsync run copies and how.</summary>
public sealed record RsyncOptions(string Source, string Destination)
{
    public IReadOnlyList<string> Ignore { get; init; } = [];
    public bool Checksum { get; init; }
    public bool DryRun { get; init; }

    /// <summary>Ask rsync for overall progress (<c>--info=progress2</c>).</summary>
    public bool Progress { get; init; }
}
