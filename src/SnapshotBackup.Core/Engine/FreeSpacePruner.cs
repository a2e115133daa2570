using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Copies;
using SnapshotBackup.Core.Retention;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Core.Engine;

/// <summary>
/// <c>min_free</c>: deletes snapshots until the volume's free space is back at the limit, in
/// <see cref="FreeSpacePolicy"/>'s order (prune candidates, decay candidates, the oldest retention keeps; never the
/// newest, a pinned one or a copy target's common parent). btrfs frees a snapshot's space only for the extents no other
/// snapshot shares, and only once its cleaner has run, so nothing is estimated: after each deletion it waits for the
/// cleaner (<see cref="Btrfs.IBtrfsCleaner"/>) and measures again, and stops as soon as the limit is met. Runs under the
/// backup's volume lock.
/// </summary>
internal sealed class FreeSpacePruner(EngineEnvironment environment, ILogger logger)
{
    private readonly SnapshotDeleter _deleter = new(environment.Btrfs, logger);

    /// <summary>
    /// Deletes what is needed and returns it, in the order deleted (empty when the space is there, or
    /// <c>min_free</c> is off). When deleting every snapshot it may does not free enough, throws
    /// <see cref="OperationFailedException"/> with the numbers.
    /// </summary>
    /// <param name="when">For the log: <c>before the backup</c>, <c>after rsync found the volume full</c>.</param>
    public async Task<IReadOnlyList<FreeSpaceDeletion>> FreeAsync(BackupConfig config, BackupVolume volume, string when, CancellationToken cancellationToken)
    {
        if (config.MinFree is not { } limit)
        {
            return [];
        }
        var (available, total) = Measure(volume);
        var needed = limit.BytesFor(total);
        if (available >= needed)
        {
            logger.LogDebug("min_free: {Free} free on {Path}, limit {Limit}", ByteSize.Format(available), volume.Path, Limit(limit, needed));
            return [];
        }
        // A deletion made just before (a prune, another section's run on this filesystem) may not be freed yet: let
        // btrfs's cleaner finish and measure again before deleting anything.
        await WaitForCleanerAsync(volume, [], cancellationToken).ConfigureAwait(false);
        (available, total) = Measure(volume);
        needed = limit.BytesFor(total);
        if (available >= needed)
        {
            logger.LogInformation("min_free: {Free} free on {Path} once btrfs's cleaner had run, limit {Limit}: nothing to delete",
                ByteSize.Format(available), volume.Path, Limit(limit, needed));
            return [];
        }
        if (needed >= total)
        {
            throw new OperationFailedException(
                $"min_free: the limit {Limit(limit, needed)} is not below the size of the filesystem of {volume.Path} ({ByteSize.Format(total)}): " +
                "no deletion can reach it, so nothing was deleted; lower min_free");
        }
        logger.LogInformation("min_free: {Free} free on {Path} {When}, below the limit {Limit}; deleting snapshots until it is back",
            ByteSize.Format(available), volume.Path, when, Limit(limit, needed));
        var deleted = new List<FreeSpaceDeletion>();
        try
        {
            return await DeleteUntilFreeAsync(config, volume, limit, available, needed, deleted, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (FreeSpaceDeletion.Attach(e, deleted))
        {
            throw; // never reached: Attach records what was deleted on the failure and lets it pass
        }
    }

    private async Task<IReadOnlyList<FreeSpaceDeletion>> DeleteUntilFreeAsync(
        BackupConfig config, BackupVolume volume, FreeSpaceLimit limit, long available, long needed, List<FreeSpaceDeletion> deleted,
        CancellationToken cancellationToken)
    {
        long total;
        foreach (var deletion in Order(config, volume))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var outcome = _deleter.DeleteSnapshots(volume, [(deletion.Name, () => true)]);
            if (outcome.Failure is { } failure)
            {
                throw new OperationFailedException($"min_free: {failure}{DeletedSoFar(deleted)}");
            }
            if (outcome.Deleted.Count == 0)
            {
                continue; // no longer a read-only snapshot: skipped, and the deleter said so
            }
            deleted.Add(deletion);
            await WaitForCleanerAsync(volume, deleted, cancellationToken).ConfigureAwait(false);
            (available, total) = Measure(volume);
            needed = limit.BytesFor(total);
            logger.LogInformation("min_free: deleted {Snapshot} ({Reason}), free space now {Free} of limit {Limit}",
                deletion.Name, deletion.ReasonText, ByteSize.Format(available), Limit(limit, needed));
            if (available >= needed)
            {
                return deleted;
            }
        }
        throw new OperationFailedException(
            $"min_free: only {ByteSize.Format(available)} free on {volume.Path} after deleting {deleted.Count} snapshot{(deleted.Count == 1 ? "" : "s")}" +
            $"{(deleted.Count == 0 ? "" : " (" + string.Join(", ", deleted) + ")")} (limit {Limit(limit, needed)}); " +
            "the rest are the newest, pinned or copy parents: free space by hand or lower min_free");
    }

    /// <summary>A dry run's plan: logs what <see cref="FreeAsync"/> would delete, in order, and the space now; deletes nothing.</summary>
    public IReadOnlyList<FreeSpaceDeletion> Plan(BackupConfig config, BackupVolume volume)
    {
        if (config.MinFree is not { } limit)
        {
            return [];
        }
        var (available, total) = Measure(volume);
        var needed = limit.BytesFor(total);
        if (available >= needed)
        {
            logger.LogInformation("dry run: min_free: {Free} free on {Path}, limit {Limit}: nothing to delete",
                ByteSize.Format(available), volume.Path, Limit(limit, needed));
            return [];
        }
        var order = Order(config, volume);
        logger.LogInformation(
            "dry run: min_free would delete, one at a time and measuring after each, until free space reaches {Limit}; now {Free} free on {Path}: {Order}",
            Limit(limit, needed), ByteSize.Format(available), volume.Path, order.Count == 0 ? "nothing it may delete" : string.Join(", ", order));
        return order;
    }

    private IReadOnlyList<FreeSpaceDeletion> Order(BackupConfig config, BackupVolume volume)
    {
        var listing = volume.List();
        ListingReport.ReportSkipped(logger, listing);
        var entries = ListingReport.Evaluate(config, listing, environment.Time);
        var protection = SnapshotProtection.Read(config, environment.Time, logger);
        return FreeSpacePolicy.Order(entries, protection.IsProtected);
    }

    private async Task WaitForCleanerAsync(BackupVolume volume, List<FreeSpaceDeletion> deleted, CancellationToken cancellationToken)
    {
        try
        {
            await environment.Cleaner.WaitAsync(volume.Path, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            throw new OperationFailedException($"min_free: {e.Message}{DeletedSoFar(deleted)}", e);
        }
    }

    private (long Available, long Total) Measure(BackupVolume volume) =>
        environment.FileSystem.Space(volume.Path) ?? throw new OperationFailedException($"min_free: cannot read the free space of {volume.Path}");

    /// <summary><c>25.6 MiB</c>, or <c>25.6 MiB (10%)</c> for a percentage.</summary>
    private static string Limit(FreeSpaceLimit limit, long bytes) =>
        limit.Percent is null ? ByteSize.Format(bytes) : $"{ByteSize.Format(bytes)} ({limit})";

    private static string DeletedSoFar(List<FreeSpaceDeletion> deleted) =>
        deleted.Count == 0 ? string.Empty : $" (deleted before: {string.Join(", ", deleted)})";
}
