namespace SnapshotBackup.Core.Rsync;

/// <summary>A finished rsync run. <see cref="FilesVanished"/> is exit 24: a success with a warning.</summary>
public sealed record RsyncResult(int ExitCode, long BytesTransferred, TimeSpan Duration)
{
    /// <summary>A dry run's itemized changes (rsync's <c>--itemize-changes</c> lines); empty for a real run.</summary>
    public IReadOnlyList<string> Changes { get; init; } = [];

    /// <summary>From <c>--stats</c>: entries created (files, directories, links), null when rsync did not say.</summary>
    public long? Created { get; init; }

    /// <summary>From <c>--stats</c>: entries deleted.</summary>
    public long? Deleted { get; init; }

    /// <summary>From <c>--stats</c>: regular files whose data was written (created or overwritten).</summary>
    public long? FilesTransferred { get; init; }

    public bool FilesVanished => ExitCode == RsyncExitCodes.PartialTransferVanished;
}
