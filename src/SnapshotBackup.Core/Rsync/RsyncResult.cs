namespace SnapshotBackup.Core.Rsync;

/// <summary>A finished rsync run. <see cref="FilesVanished"/> is exit 24: a success with a warning.</summary>
public sealed record RsyncResult(int ExitCode, long BytesTransferred, TimeSpan Duration)
{
    public bool FilesVanished => ExitCode == RsyncExitCodes.PartialTransferVanished;
}
