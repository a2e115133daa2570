using Microsoft.Extensions.Logging;

namespace SnapshotBackup.Core.Copies;

/// <summary>Opens the destination of a <c>copy_to</c> target.</summary>
public static class CopyDestinations
{
    /// <summary>A <see cref="LocalCopyDestination"/> for a local directory (refusing one on the filesystem of
    /// <paramref name="sourceVolume"/>); remote targets are not supported yet.</summary>
    public static ICopyDestination Open(CopyTarget target, string sourceVolume, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.IsRemote)
        {
            throw new NotSupportedException($"copy target {target}: copies over ssh are not supported yet");
        }
        return new LocalCopyDestination(target, sourceVolume, logger);
    }
}
