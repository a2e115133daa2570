using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quartz;
using SnapshotBackup.Core.Engine;
using SnapshotBackup.Core.Volume;
using SnapshotBackup.Daemon.Configuration;
using SnapshotBackup.Daemon.Jobs;
using SnapshotBackup.Daemon.Scheduling;

namespace SnapshotBackup.Daemon.Mounts;

/// <summary>
/// Starts a section's due backup as soon as its disk appears instead of at the next scheduled time: a thread of its
/// own waits on the mount table (<see cref="MountTableChanges"/>); after each change, each configured section is looked
/// at again (the engine's availability check, the mounts holding its backups and local source) and, for
/// each whose volume appeared (<see cref="VolumePresence"/>), the catch-up rule decides (<see cref="JobRegistrar.Due"/>;
/// for <c>schedule = on-mount</c>, <c>min_interval</c> since the last success) whether its backup starts now. One
/// trigger per appearance. The sections are the configuration in force at each look; a reload makes a look at once, the
/// baseline of the sections it adds.
/// </summary>
internal sealed class MountWatcher(
    ISchedulerFactory schedulerFactory,
    ConfigStore configs,
    JobRegistrar registrar,
    IBackupEngine engine,
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
        _presence.Update(Look(configs.Current, mounts));
        var watching = new Thread(() => Watch(changes.Writer, stoppingToken)) { IsBackground = true, Name = "mount-watcher" };
        watching.Start();
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
                    var result = _presence.Update(Look(config, mounts));
                    if (result.Pending)
                    {
                        recheckUntil = time.GetUtcNow() + RecheckFor;
                    }
                    foreach (var (name, where) in result.Appeared.Where(_ => !scheduler.IsStopping()))
                    {
                        await StartIfDueAsync(scheduler, config, name, where, stoppingToken);
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
    private void Watch(ChannelWriter<bool> changes, CancellationToken stoppingToken)
    {
        try
        {
            using var table = new MountTableChanges(MountInfoPath, logger);
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
            bool available;
            try
            {
                engine.EnsureAvailable(backup);
                available = true;
            }
            catch (Exception e) when (e is not (OperationCanceledException or OutOfMemoryException))
            {
                available = false;
            }
            var source = backup.IsRemoteSource ? null : backup.Source;
            looks[name] = new VolumeLook(backup.Backups, source, available,
                mounts.MountOf(backup.Backups)?.MountPoint, source is null ? null : mounts.MountOf(source)?.MountPoint);
        }
        return looks;
    }

    private async Task StartIfDueAsync(IScheduler scheduler, DaemonConfig config, string name, string where, CancellationToken cancellationToken)
    {
        try
        {
            var due = registrar.Due(config, name);
            if (due.NotBefore is { } notBefore)
            {
                logger.LogInformation("backup {Backup}: volume appeared at {Path}, not due until {Due:yyyy-MM-dd HH:mm:ss}", name, where, notBefore.ToLocalTime());
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
