using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Quartz;
using SnapshotBackup.Daemon.Configuration;
using SnapshotBackup.Daemon.Systemd;

namespace SnapshotBackup.Daemon.Hosting;

/// <summary>
/// Notices a wake-up from suspend (CLOCK_BOOTTIME advanced further than CLOCK_MONOTONIC, which stops while suspended)
/// and runs the catch-up check, so a laptop that slept through a scheduled time backs up once when it wakes.
/// </summary>
internal sealed class SuspendWatcher(ISchedulerFactory schedulerFactory, ConfigStore configs, JobRegistrar registrar, ILogger<SuspendWatcher> logger)
    : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(15);
    private static readonly long Threshold = (long)TimeSpan.FromSeconds(30).TotalMicroseconds;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var suspended = MonotonicClock.BootTimeMicroseconds() - MonotonicClock.NowMicroseconds();
        using var timer = new PeriodicTimer(Period);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var now = MonotonicClock.BootTimeMicroseconds() - MonotonicClock.NowMicroseconds();
            if (now - suspended > Threshold)
            {
                logger.LogInformation("resumed after {Seconds:0} s of suspend; checking for missed backups", (now - suspended) / 1e6);
                var scheduler = await schedulerFactory.GetScheduler(stoppingToken);
                await registrar.CatchUpAllAsync(scheduler, configs.Current, stoppingToken);
            }
            suspended = now;
        }
    }
}
