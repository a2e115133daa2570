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
        var protection = SnapshotProtection.Read(config, environment.Time, logger, now);
        var pins = protection.Pins;
        var parents = protection.CopyParents;
        var plan = RetentionPlan.Explain(entries, config.Retention, now, zone, pins, parents);
        // min_free's order is the next backup's: the policy's view now, whatever the plan's time.
        var entriesNow = at is null ? entries
            : RetentionPolicy.Evaluate(listing.Snapshots.Select(s => (s.Name, s.Time)), config.Retention, environment.Time.GetLocalNow(), zone);
        var (minFree, order) = PlanMinFree(config, volume, entriesNow, protection.IsProtected);
        if (order.Count > 0)
        {
            var rank = order.Select((d, i) => (d.Name, Rank: i + 1)).ToDictionary(r => r.Name, r => r.Rank, StringComparer.Ordinal);
            plan = plan.Select(p => rank.TryGetValue(p.Name, out var r) ? p with { MinFreeRank = r } : p).ToList();
        }
        return new RetentionPlanReport(config.Name, now, zone, config.Retention, plan, listing.Skipped) { MinFree = minFree };
    }

    /// <summary>
    /// What <c>min_free</c> says now (free space is measured now, whatever the plan's time): a line for the plan, and
    /// when the space is below the limit the order in which the next backup deletes, one at a time and measuring after
    /// each (how many it takes is not estimated: btrfs frees only extents no other snapshot shares).
    /// </summary>
    private (string? Line, IReadOnlyList<FreeSpaceDeletion> Order) PlanMinFree(
        BackupConfig config, BackupVolume volume, IReadOnlyList<BackupEntry> entries, Func<string, bool> isProtected)
    {
        if (config.MinFree is not { } limit)
        {
            return (null, []);
        }
        if (environment.FileSystem.Space(volume.Path) is not var (available, total))
        {
            return ($"min_free {limit}: the free space of {volume.Path} cannot be read", []);
        }
        var needed = limit.BytesFor(total);
        if (available >= needed)
        {
            return ($"min_free {limit} ({ByteSize.Format(needed)}): {ByteSize.Format(available)} free now, nothing to delete", []);
        }
        var order = FreeSpacePolicy.Order(entries, isProtected);
        return ($"min_free {limit} ({ByteSize.Format(needed)}): only {ByteSize.Format(available)} free now; the next backup deletes " +
                "in this order, one at a time, until the space is back (min_free #1, #2, ...)" +
                (order.Count == 0 ? ", but nothing may be deleted: it will fail" : string.Empty), order);
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
