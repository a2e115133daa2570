using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Core.Configuration;

namespace SnapshotBackup.Core.Copies;

/// <summary>How one copy runs.</summary>
public sealed record CopyOptions
{
    /// <summary>Plan only: connect and list, report what would be sent, cleaned and deleted; change nothing anywhere.</summary>
    public bool DryRun { get; init; }

    /// <summary>Called with the bytes sent so far, at most a few times a second.</summary>
    public Action<CopyProgress>? Progress { get; init; }
}

/// <summary>
/// Copies one section's snapshots to one target with btrfs send/receive: connect, clean partial receives, send every
/// snapshot the target's retention wants and lacks (oldest first, incremental from the newest common snapshot matched by
/// identity), then apply the target's retention, and record the result in the volume's <see cref="CopyRecords"/>.
/// Runs under the caller's lock of the source volume.
/// </summary>
public sealed class CopyService(IBtrfsManager btrfs, Func<CopyTarget, ICopyDestination> open, TimeProvider time, ILogger logger)
{
    /// <summary>Never throws but for cancellation: an unreachable target or a failed send ends up in <see cref="CopyReport.Error"/>.</summary>
    public Task<CopyReport> CopyAsync(BackupConfig config, CopyTarget target, CopyOptions options, CancellationToken cancellationToken)
    {
        _ = (btrfs, open, time, logger, config, options, cancellationToken);
        throw new NotImplementedException();
    }
}
