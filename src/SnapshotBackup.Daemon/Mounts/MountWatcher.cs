using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quartz;
using SnapshotBackup.Core.Engine;
using SnapshotBackup.Core.Volume;
using SnapshotBackup.Daemon.Configuration;
using SnapshotBackup.Daemon.Jobs;
using SnapshotBackup.Daemon.Scheduling;
using SnapshotBackup.Daemon.State;

namespace SnapshotBackup.Daemon.Mounts;

/// <summary>
/// Starts a section's due backup as soon as its disk appears instead of at the next scheduled time: a thread of its
/// own waits on the mount table (<see cref="MountTableChanges"/>); after each change, each configured section is looked
/// at again (the engine's availability check, the mounts holding its backups and local source) and, for
/// each whose volume appeared (<see cref="VolumePresence"/>), the catch-up rule decides (<see cref="JobRegistrar.Due"/>;
/// for <c>schedule = on-mount</c>, <c>min_interval</c> since the last success) whether its backup starts now. One
/// trigger per appearance. The sections are the configuration in force at each look; a reload makes a look at once.
/// The mount table is opened before the first look, so no change after that look goes unseen. A section's first look
/// (at start, or added by a reload) has no baseline: when its volume is there but the registrar's own check
/// (<see cref="VolumeAvailability"/>) found it missing, the disk arrived in between and counts as appeared; one the
/// registrar found there is its business (it caught it up or found it not due). An appearance during the section's
/// own run (its <c>before_backup</c> mounting the disk, the run reading an automount point) starts nothing.
/// </summary>
internal sealed class MountWatcher(
    ISchedulerFactory schedulerFactory,
    ConfigStore configs,
    JobRegistrar registrar,
    IBackupEngine engine,
    VolumeAvailability volumes,
    RunningSections runningSections,
    TimeProvider time,
    ILogger<MountWatcher> logger) : BackgroundService
{
    /// <summary>poll(2)'s timeout: how soon the watching thread notices the daemon stopping.</summary>
    private static readonly TimeSpan PollTimeout = TimeSpan.FromSeconds(1);

    /// <summary>After a mount arrived over a section's paths that is not usable yet, look again this often for this long.</summary>
    private static readonly TimeSpan Recheck = TimeSpan.FromMilliseconds(250);

    private static readonly TimeSpan RecheckFor = TimeSpan.FromSeconds(5);

    private readonly VolumePresence _presence = new();

    /// <summary>The mount table to watch; this process's by default.</summary>
    public string MountInfoPath { get; init; } = "/proc/self/mountinfo";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The first look reads every section's volume: not on the host's start-up path.
        await Task.Yield();
        var scheduler = await schedulerFactory.GetScheduler(stoppingToken);
        var mounts = new MountTable(mountInfo: MountInfoPath);
        // Capacity 1: changes that come while a look is under way make one more look, not one each.
        var changes = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
        // A reload: the sections it adds (or moves) get their first look now, so that their disk's later arrival counts.
        void OnReload() => changes.Writer.TryWrite(true);
        configs.Replaced += OnReload;
        // Opened before the first look: a mount between the two is a change the thread reports.
        var table = new MountTableChanges(MountInfoPath, logger);
        var watching = new Thread(() => Watch(table, changes.Writer, stoppingToken)) { IsBackground = true, Name = "mount-watcher" };
        watching.Start();
        // The first look: every section is new to it.
        changes.Writer.TryWrite(true);
        DateTimeOffset? recheckUntil = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (recheckUntil is { } until && time.GetUtcNow() < until)
                {
                    await ReadAsync(changes.Reader, Recheck, stoppingToken);
                }
                else
                {
                    await changes.Reader.ReadAsync(stoppingToken);
                }
                // At once, no settling: a quick unmount and mount would merge into no change at all.
                try
                {
                    var config = configs.Current;
                    var running = config.Set.Backups.Keys.Where(runningSections.IsRunning).ToHashSet(StringComparer.OrdinalIgnoreCase);
                    var result = _presence.Update(Look(config, mounts));
                    if (result.Pending)
                    {
                        recheckUntil = time.GetUtcNow() + RecheckFor;
                    }
                    foreach (var (name, where) in result.Appeared.Where(_ => !scheduler.IsStopping()))
                    {
                        await StartIfDueAsync(scheduler, config, name, where, running, quiet: false, stoppingToken);
                    }
                    // Looked at for the first time and there: appeared only if the registrar's check found it missing.
                    foreach (var (name, where) in result.Present.Where(p => volumes.WasUnavailable(p.Name) && !scheduler.IsStopping()))
                    {
                        await StartIfDueAsync(scheduler, config, name, where, running, quiet: true, stoppingToken);
                    }
                }
                catch (Exception e) when (e is not (OperationCanceledException or OutOfMemoryException))
                {
                    // A failed look must not end the watcher (an exception here would stop the host).
                    logger.LogError("after a mount table change, looking at the volumes failed: {Reason}", e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (ChannelClosedException)
        {
            // The watching thread gave up (logged there).
        }
        finally
        {
            configs.Replaced -= OnReload;
            watching.Join(PollTimeout * 2);
        }
    }

    /// <summary>The watching thread: poll, and post a change; ends when the daemon stops.</summary>
    private void Watch(MountTableChanges table, ChannelWriter<bool> changes, CancellationToken stoppingToken)
    {
        try
        {
            using var _ = table;
            logger.LogDebug("watching the mount table {Path} ({How})", MountInfoPath, table.Polling ? "poll" : "re-reading");
            while (!stoppingToken.IsCancellationRequested)
            {
                if (table.Wait(PollTimeout))
                {
                    changes.TryWrite(true);
                }
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogError("watching the mount table failed, disks that appear start no backup until the next scheduled time: {Reason}", e.Message);
        }
        finally
        {
            changes.TryComplete();
        }
    }

    /// <summary>True when a change arrives within <paramref name="timeout"/>.</summary>
    private static async Task<bool> ReadAsync(ChannelReader<bool> changes, TimeSpan timeout, CancellationToken stoppingToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        wait.CancelAfter(timeout);
        try
        {
            await changes.ReadAsync(wait.Token);
            return true;
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private Dictionary<string, VolumeLook> Look(DaemonConfig config, MountTable mounts)
    {
        var looks = new Dictionary<string, VolumeLook>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, backup) in config.Set.Backups)
        {
            looks[name] = VolumeLook.Take(backup.Backups, backup.IsRemoteSource ? null : backup.Source, mounts, () => engine.EnsureAvailable(backup));
        }
        return looks;
    }

    /// <summary>
    /// Starts <paramref name="name"/>'s backup when due and not running (<paramref name="running"/>: before the look;
    /// asked again here, as the run may have ended in between). <paramref name="quiet"/> (a first look): not due and
    /// already pending are logged at Debug.
    /// </summary>
    private async Task StartIfDueAsync(IScheduler scheduler, DaemonConfig config, string name, string where, HashSet<string> running, bool quiet, CancellationToken cancellationToken)
    {
        try
        {
            if (running.Contains(name) || runningSections.IsRunning(name))
            {
                logger.LogDebug("backup {Backup}: volume appeared at {Path} during its own run (a hook's mount, an automount); not started again", name, where);
                return;
            }
            var level = quiet ? LogLevel.Debug : LogLevel.Information;
            var due = registrar.Due(config, name);
            if (due.NotBefore is { } notBefore)
            {
                logger.Log(level, "backup {Backup}: volume appeared at {Path}, not due until {Due:yyyy-MM-dd HH:mm:ss}", name, where, notBefore.ToLocalTime());
                return;
            }
            if (quiet && await scheduler.Exists(JobKeys.CatchUp(name), cancellationToken))
            {
                logger.LogDebug("backup {Backup}: volume appeared at {Path}; a catch-up run is pending already", name, where);
                return;
            }
            logger.LogInformation("backup {Backup}: volume appeared at {Path}, starting the due backup", name, where);
            if (!await JobRegistrar.TriggerNowAsync(scheduler, name, cancellationToken, "volume appeared"))
            {
                logger.LogInformation("backup {Backup}: a catch-up run is pending already", name);
            }
        }
        catch (Exception e) when (e is not (OperationCanceledException or OutOfMemoryException))
        {
            logger.LogWarning("backup {Backup}: volume appeared at {Path}, but its backup could not be started: {Reason}", name, where, e.Message);
        }
    }
}
