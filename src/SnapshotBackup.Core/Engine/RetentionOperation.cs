using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Copies;
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

    /// <summary>
    /// <c>plan</c>: for every snapshot, keep or delete, the rule that decides it and when that changes, as of
    /// <paramref name="at"/> (null: now). Read-only like a dry run: no lock, nothing written. An unreadable pins file
    /// throws <see cref="PinsUnreadableException"/>: a plan that cannot tell pinned snapshots apart would be wrong.
    /// </summary>
    public RetentionPlanReport Plan(BackupConfig config, DateTimeOffset? at)
    {
        ArgumentNullException.ThrowIfNull(config);
        var volume = environment.AvailableVolumeOf(config);
        var listing = volume.List();
        ListingReport.ReportSkipped(logger, listing);
        var now = at ?? environment.Time.GetLocalNow();
        var zone = environment.Time.LocalTimeZone;
        var entries = RetentionPolicy.Evaluate(listing.Snapshots.Select(s => (s.Name, s.Time)), config.Retention, now, zone);
        var pins = new PinRecords(config.Backups).Read();
        var parents = config.CopyTo.Count == 0
            ? new Dictionary<string, IReadOnlyList<string>>()
            : CopyChain.Protected(config, new CopyRecords(config.Backups).Read(), now, zone,
                message => logger.LogWarning("{Backup}: {Message}", config.Name, message));
        return new RetentionPlanReport(config.Name, now, zone, config.Retention, RetentionPlan.Explain(entries, config.Retention, now, zone, pins, parents), listing.Skipped);
    }

    /// <summary>
    /// The policy's candidates, less the pinned snapshots (<see cref="PinRecords"/>; an unreadable pins file throws
    /// <see cref="PinsUnreadableException"/>, so nothing is deleted) and less each copy target's common snapshot
    /// (<see cref="CopyChain"/>): deleting it would make the next copy a full send.
    /// </summary>
    private List<BackupEntry> Candidates(BackupConfig config, VolumeListing listing, bool decay)
    {
        var what = decay ? "decay" : "prune";
        var candidates = ListingReport.Evaluate(config, listing, environment.Time)
            .Where(e => !e.Last && (decay ? e.DecayCandidate : e.PruneCandidate))
            .ToList();
        if (candidates.Count == 0)
        {
            return candidates;
        }
        var pins = new PinRecords(config.Backups).Read();
        foreach (var entry in candidates.Where(e => pins.ContainsKey(e.Name)))
        {
            var note = pins[entry.Name].Note;
            logger.LogInformation("{What}: keeping {Snapshot}, pinned{Note}", what, entry.Name, note is null ? string.Empty : ": " + note);
        }
        candidates = candidates.Where(e => !pins.ContainsKey(e.Name)).ToList();
        if (candidates.Count == 0 || config.CopyTo.Count == 0)
        {
            return candidates;
        }
        var kept = CopyChain.Protected(
            config, new CopyRecords(config.Backups).Read(), environment.Time.GetLocalNow(), environment.Time.LocalTimeZone,
            message => logger.LogWarning("{Backup}: {Message}", config.Name, message));
        foreach (var entry in candidates.Where(e => kept.ContainsKey(e.Name)))
        {
            logger.LogInformation(
                "{What}: keeping {Snapshot}, the common snapshot of copy target {Targets} (the parent of its next incremental copy)",
                what, entry.Name, string.Join(", ", kept[entry.Name]));
        }
        return candidates.Where(e => !kept.ContainsKey(e.Name)).ToList();
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
