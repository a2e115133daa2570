using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Retention;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Core.Engine;

/// <summary>Prune and decay: the retention policy's candidates deleted under the volume lock, or planned by a dry run.</summary>
public sealed class RetentionOperation(EngineEnvironment environment, ILogger logger)
{
    private readonly SnapshotDeleter _deleter = new(environment.Btrfs, logger);

    /// <summary>Deletes prune candidates; <paramref name="confirm"/> is asked per backup. Never the newest.</summary>
    public DeleteOutcome Prune(BackupConfig config, Func<BackupEntry, bool> confirm) => DeleteCandidates(config, decay: false, confirm);

    /// <summary>Deletes decay candidates (older than <c>decay</c>); never the newest.</summary>
    public DeleteOutcome Decay(BackupConfig config, Func<BackupEntry, bool> confirm) => DeleteCandidates(config, decay: true, confirm);

    private DeleteOutcome DeleteCandidates(BackupConfig config, bool decay, Func<BackupEntry, bool> confirm)
    {
        var volume = environment.AvailableVolumeOf(config);
        using var volumeLock = environment.Lock(volume, config);
        return DeleteCandidatesLocked(config, volume, decay, confirm);
    }

    /// <summary>
    /// The dry run of prune or decay: what would be deleted and why. Reads the volume and nothing else: no lock is taken
    /// (taking one writes the lock file), nothing is created, deleted or touched.
    /// </summary>
    public DeleteOutcome PlanDeleteCandidates(BackupConfig config, bool decay)
    {
        var volume = environment.AvailableVolumeOf(config);
        var listing = volume.List();
        ListingReport.ReportSkipped(logger, listing);
        var planned = Candidates(config, listing, decay)
            .Select(e => new PlannedDeletion(e.Name, decay ? RetentionReason.Decay(config.Retention) : RetentionReason.Prune(e, config.Retention)))
            .ToList();
        return new DeleteOutcome([], [], listing.Skipped) { WouldDelete = planned };
    }

    /// <summary>The policy's candidates, less the protected snapshots (<see cref="SnapshotProtection"/>: pinned, copy parents).</summary>
    private List<BackupEntry> Candidates(BackupConfig config, VolumeListing listing, bool decay)
    {
        var candidates = ListingReport.Evaluate(config, listing, environment.Time)
            .Where(e => !e.Last && (decay ? e.DecayCandidate : e.PruneCandidate))
            .ToList();
        return candidates.Count == 0
            ? candidates
            : SnapshotProtection.Read(config, environment.Time, logger).Without(candidates, decay ? "decay" : "prune", logger);
    }

    /// <summary>Prune or decay on a volume whose lock the caller holds; <paramref name="confirm"/> is asked per candidate.</summary>
    internal DeleteOutcome DeleteCandidatesLocked(BackupConfig config, BackupVolume volume, bool decay, Func<BackupEntry, bool> confirm)
    {
        var listing = volume.List();
        ListingReport.ReportSkipped(logger, listing);
        var candidates = Candidates(config, listing, decay);
        var what = decay ? "decay" : "prune";
        if (candidates.Count == 0)
        {
            logger.LogDebug("{What}: nothing to delete in {Path}", what, volume.Path);
            return new DeleteOutcome([], [], listing.Skipped);
        }
        var outcome = _deleter.DeleteSnapshots(volume, candidates.Select(c => (c.Name, (Func<bool>)(() => confirm(c)))));
        logger.LogInformation("{What}: deleted {Count} of {Candidates} candidates in {Path}", what, outcome.Deleted.Count, candidates.Count, volume.Path);
        return outcome with { Skipped = [.. outcome.Skipped, .. listing.Skipped] };
    }
}
