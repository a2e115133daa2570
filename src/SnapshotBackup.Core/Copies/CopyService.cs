using System.Diagnostics;
using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Engine;
using SnapshotBackup.Core.Processes;
using SnapshotBackup.Core.Volume;

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
    public string BtrfsPath { get; init; } = ProgramLocator.Find("btrfs", Environment.GetEnvironmentVariable("PATH")) ?? "btrfs";

    /// <summary>The longest one btrfs send may take.</summary>
    public TimeSpan SendTimeout { get; init; } = TimeSpan.FromHours(24);

    /// <summary>How often <see cref="CopyOptions.Progress"/> is called during a send, at most.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The wall clock the retention durations count on; the system's local zone by default.</summary>
    public TimeZoneInfo? Zone { get; init; }

    /// <summary>Never throws but for cancellation: an unreachable target or a failed send ends up in <see cref="CopyReport.Error"/>.</summary>
    public async Task<CopyReport> CopyAsync(BackupConfig config, CopyTarget target, CopyOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(options);
        var started = time.GetUtcNow();
        var stopwatch = Stopwatch.StartNew();
        var report = new CopyReport(target) { DryRun = options.DryRun };
        var reachable = false;
        IReadOnlyList<SourceSnapshot> source = [];
        IReadOnlyList<CopyEntry>? finalEntries = null;
        try
        {
            if (!options.DryRun && Internal.LibC.GetEUid() != 0)
            {
                throw new OperationFailedException(
                    "copies need root: btrfs send reads a snapshot and btrfs receive creates one only for root; copy from a root-run snapshotbackup or snapshotbackupd, or remove copy_to from the section");
            }
            source = ListSource(config);
            // A local target on the backups' own filesystem is refused by its destination (LocalCopyDestination.ConnectAsync).
            await using var destination = open(target);
            var cleaned = await destination.ConnectAsync(options.DryRun, cancellationToken).ConfigureAwait(false);
            reachable = true;
            report = report with { CleanedPartials = cleaned };
            var entries = await destination.ListAsync(cancellationToken).ConfigureAwait(false);
            var now = time.GetUtcNow();
            var zone = Zone ?? time.LocalTimeZone;
            var plan = CopyPlanner.Plan(source, entries, config.CopyRetention, config.AutoPrune, config.AutoDecay, now, zone);
            foreach (var name in plan.Foreign)
            {
                logger.LogWarning("{Entry} on copy target {Target} is not a copy of a snapshot of {Backup}: left untouched", name, target, config.Name);
            }
            foreach (var name in plan.Blocked)
            {
                logger.LogWarning("cannot copy {Snapshot} to {Target}: the name is taken there by an entry that is not its copy", name, target);
            }
            report = report with { Foreign = plan.Foreign };
            if (options.DryRun)
            {
                return report with
                {
                    Sent = plan.Sends.Select(s => new SentCopy(s.Snapshot.Name, s.Parent?.Name, 0, TimeSpan.Zero)).ToList(),
                    Deleted = plan.Deletions,
                    Missing = plan.Sends.Select(s => s.Snapshot.Name).Concat(plan.Blocked).Order(StringComparer.Ordinal).ToList(),
                    CommonParent = plan.CommonParent?.Name,
                    Duration = stopwatch.Elapsed,
                };
            }

            var sent = new List<SentCopy>();
            Exception? error = null;
            var version = plan.Sends.Count == 0 ? 1 : Math.Min(SendStreamVersion.Local(BtrfsPath, logger), destination.MaxStreamVersion);
            for (var i = 0; i < plan.Sends.Count; i++)
            {
                try
                {
                    sent.Add(await SendAsync(config.Backups, destination, plan.Sends[i], i + 1, plan.Sends.Count, version, options, cancellationToken).ConfigureAwait(false));
                }
                catch (Exception e) when (cancellationToken.IsCancellationRequested && e is not OperationCanceledException)
                {
                    // Killed under the relay by the cancellation: a pipe closed, a stream disposed.
                    throw new OperationCanceledException($"the copy of {plan.Sends[i].Snapshot.Name} to {target} was cancelled", e, cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    error = e;
                    logger.LogError("copy of {Snapshot} to {Target} failed: {Error}", plan.Sends[i].Snapshot.Name, target, e.Message);
                    break;
                }
            }
            report = report with { Sent = sent, Error = error };

            entries = await destination.ListAsync(cancellationToken).ConfigureAwait(false);
            if (error is null)
            {
                var copies = entries.Where(e => e.IsCopy).Select(e => (e.Name, e.Time, e.Identity!.Value.ReceivedUuid)).ToList();
                var deletions = CopyPlanner.TargetDeletions(copies, source, config.CopyRetention, config.AutoPrune, config.AutoDecay, now, zone);
                var deleted = new List<string>();
                foreach (var name in deletions)
                {
                    await destination.DeleteAsync(name, cancellationToken).ConfigureAwait(false);
                    logger.LogInformation("deleted the copy {Name} on {Target} (copy retention)", name, target);
                    deleted.Add(name);
                }
                report = report with { Deleted = deleted };
                if (deleted.Count > 0)
                {
                    entries = await destination.ListAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            finalEntries = entries;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            if (e is CopyTargetUnavailableException)
            {
                logger.LogInformation("copy target {Target} is not reachable: {Error}", target, e.Message);
            }
            else
            {
                logger.LogError("copy to {Target} failed: {Error}", target, e.Message);
            }
            report = report with { Error = e };
        }

        if (finalEntries is not null)
        {
            var held = finalEntries.Where(e => e.IsCopy).Select(e => e.Identity!.Value.ReceivedUuid).ToHashSet();
            var wanted = CopyPlanner.Wanted(source, config.CopyRetention, config.AutoPrune, config.AutoDecay, time.GetUtcNow(), Zone ?? time.LocalTimeZone);
            var missing = source.Where(s => wanted.Contains(s.Name) && !held.Contains(s.Identity.SendIdentity)).Select(s => s.Name).ToList();
            report = report with { Missing = missing, CommonParent = CopyPlanner.CommonParent(source, held)?.Name };
        }
        report = report with { Duration = stopwatch.Elapsed };
        if (!options.DryRun)
        {
            Record(config, report, finalEntries, source, started, reachable);
        }
        return report;
    }

    private List<SourceSnapshot> ListSource(BackupConfig config)
    {
        var listing = new BackupVolume(config.Backups, btrfs).List();
        using var directory = btrfs.OpenDirectory(config.Backups);
        var snapshots = new List<SourceSnapshot>(listing.Snapshots.Count);
        foreach (var snapshot in listing.Snapshots)
        {
            if (directory.Identify(snapshot.Name) is { } identity)
            {
                snapshots.Add(new SourceSnapshot(snapshot.Name, snapshot.Time, identity));
            }
            else
            {
                logger.LogWarning("cannot read the identity of {Snapshot}: not copied", snapshot.Name);
            }
        }
        return snapshots;
    }

    private void Record(BackupConfig config, CopyReport report, IReadOnlyList<CopyEntry>? entries, IReadOnlyList<SourceSnapshot> source, DateTimeOffset started, bool reachable)
    {
        var common = report.CommonParent is { } name ? source.FirstOrDefault(s => s.Name == name) : null;
        try
        {
            new CopyRecords(config.Backups).Update(report.Target.Spec, previous =>
            {
                var record = (previous ?? new CopyRecord()) with
                {
                    LastAttempt = started,
                    LastError = report.Error?.Message,
                };
                if (!reachable || entries is null)
                {
                    return reachable ? record with { LastReachable = started } : record;
                }
                return record with
                {
                    LastReachable = started,
                    LastCopy = report.Error is null && report.Missing.Count == 0 ? time.GetUtcNow() : record.LastCopy,
                    NewestCopy = entries.Where(e => e.IsCopy).Select(e => e.Name).LastOrDefault(),
                    CommonParent = common?.Name,
                    CommonParentUuid = common?.Identity.Uuid,
                    Missing = report.Missing.Count,
                };
            });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("cannot write the copy records {Path}: {Error}", new CopyRecords(config.Backups).Path, e.Message);
        }
    }

    /// <summary>btrfs send of one snapshot, its stream relayed (and counted) into the destination's receive.</summary>
    private async Task<SentCopy> SendAsync(
        string volume, ICopyDestination destination, PlannedSend send, int index, int count, int version, CopyOptions options, CancellationToken cancellationToken)
    {
        var name = send.Snapshot.Name;
        var arguments = new List<string> { "send" };
        arguments.AddRange(SendStreamVersion.SendArguments(version));
        if (send.Parent is { } parent)
        {
            arguments.AddRange(["-p", Path.Combine(volume, parent.Name)]);
        }
        foreach (var clone in send.CloneSources)
        {
            arguments.AddRange(["-c", Path.Combine(volume, clone.Name)]);
        }
        arguments.Add(Path.Combine(volume, name));

        var stopwatch = Stopwatch.StartNew();
        long bytes = 0;
        await using var receive = await destination.BeginReceiveAsync(name, send.Snapshot.Identity.SendIdentity, cancellationToken).ConfigureAwait(false);
        await using var sender = PipedProcess.Start(new ExternalCommand(BtrfsPath, arguments), logger, writeInput: false, readOutput: true);
        await using (cancellationToken.Register(() =>
        {
            sender.Kill();
            _ = receive.DisposeAsync().AsTask();
        }).ConfigureAwait(false))
        {
            var lastProgress = TimeSpan.Zero;
            StreamRelay.Result relayed;
            try
            {
                relayed = await StreamRelay.RunAsync(sender.Output, receive.Input, total =>
                {
                    if (options.Progress is { } progress && stopwatch.Elapsed - lastProgress >= ProgressInterval)
                    {
                        lastProgress = stopwatch.Elapsed;
                        progress(new CopyProgress(name, index, count, total, total / Math.Max(stopwatch.Elapsed.TotalSeconds, 1e-3)));
                    }
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (cancellationToken.IsCancellationRequested && e is IOException or ObjectDisposedException or OperationCanceledException)
            {
                // The receive was disposed under the relay: the cancellation is the cause.
                throw new OperationCanceledException(cancellationToken);
            }
            catch (IOException e)
            {
                // Neither end's fault known: stop both, the stream is cut and must not be completed.
                sender.Kill();
                throw new OperationFailedException($"relaying the stream of {name} failed: {e.Message}", e);
            }
            bytes = relayed.Bytes;
            var writeFailure = relayed.WriteFailure;
            if (writeFailure is not null)
            {
                // The receiver is gone: its own error says why (CompleteAsync below).
                sender.Kill();
            }
            logger.LogDebug("{Snapshot}: {Bytes} bytes relayed {How}", name, bytes, relayed.Spliced ? "by splice" : "through a buffer");
            cancellationToken.ThrowIfCancellationRequested();
            var sendResult = await sender.WaitAsync(SendTimeout, cancellationToken).ConfigureAwait(false);
            if (writeFailure is null && sendResult.ExitCode != 0)
            {
                throw new OperationFailedException(
                    $"btrfs send of {name} failed (exit code {sendResult.ExitCode}): {(string.IsNullOrWhiteSpace(sendResult.StandardErrorTail) ? "no error output" : sendResult.StandardErrorTail.Trim())}");
            }
            await receive.CompleteAsync(cancellationToken).ConfigureAwait(false);
            if (writeFailure is not null)
            {
                throw new OperationFailedException($"the receiver of {name} stopped reading: {writeFailure.Message}", writeFailure);
            }
        }
        stopwatch.Stop();
        options.Progress?.Invoke(new CopyProgress(name, index, count, bytes, bytes / Math.Max(stopwatch.Elapsed.TotalSeconds, 1e-3)));
        if (send.Parent is { } from)
        {
            logger.LogInformation("sent {Snapshot} to {Target} incrementally from {Parent}{Clones}, {Bytes} bytes in {Seconds:0.0} s",
                name, destination.Target, from.Name, send.CloneSources.Count > 0 ? $" (clone sources {string.Join(", ", send.CloneSources.Select(c => c.Name))})" : string.Empty,
                bytes, stopwatch.Elapsed.TotalSeconds);
        }
        else
        {
            logger.LogInformation("full send of {Snapshot} to {Target} (no common snapshot), {Bytes} bytes in {Seconds:0.0} s",
                name, destination.Target, bytes, stopwatch.Elapsed.TotalSeconds);
        }
        return new SentCopy(name, send.Parent?.Name, bytes, stopwatch.Elapsed);
    }
}
