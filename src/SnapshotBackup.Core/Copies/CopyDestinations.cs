using Microsoft.Extensions.Logging;

namespace SnapshotBackup.Core.Copies;

/// <summary>Opens the destination of a <c>copy_to</c> target.</summary>
public static class CopyDestinations
{
    /// <summary>A <see cref="LocalCopyDestination"/> for a local directory (refusing one on the filesystem of
    /// <paramref name="sourceVolume"/>); remote targets are not supported yet.</summary>
    /// <param name="lockTimeout">How long to wait for the target's lock (another copy to it running); a minute by default.</param>
    public static ICopyDestination Open(CopyTarget target, string? sourceVolume, ILogger logger, TimeSpan? lockTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.IsRemote)
        {
            throw new NotSupportedException($"copy target {target}: copies over ssh are not supported yet");
        }
        return lockTimeout is { } timeout
            ? new LocalCopyDestination(target, sourceVolume, logger) { LockTimeout = timeout }
            : new LocalCopyDestination(target, sourceVolume, logger);
    }
}
