using Microsoft.Extensions.Logging;

namespace SnapshotBackup.Core.Copies;

/// <summary>Opens the destination of a <c>copy_to</c> target.</summary>
public static class CopyDestinations
{
    /// <summary>A <see cref="LocalCopyDestination"/> for a local directory (refusing one on the filesystem of
    /// <paramref name="sourceVolume"/>); a <see cref="RemoteCopyDestination"/> for <c>[user@]host:/path</c>.</summary>
    /// <param name="lockTimeout">How long to wait for the target's lock (another copy to it running); a minute by default.</param>
    /// <param name="connectTimeout">ssh's connect timeout for a remote target (<see cref="Processes.Ssh.ProbeConnectTimeout"/> by default).</param>
    public static ICopyDestination Open(CopyTarget target, string? sourceVolume, ILogger logger, TimeSpan? lockTimeout = null, TimeSpan? connectTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.IsRemote)
        {
            // The server (snapshotbackup serve --copies) waits for the target's lock itself.
            return RemoteCopyDestination.Create(target, logger, connectTimeout);
        }
        return lockTimeout is { } timeout
            ? new LocalCopyDestination(target, sourceVolume, logger) { LockTimeout = timeout }
            : new LocalCopyDestination(target, sourceVolume, logger);
    }
}
