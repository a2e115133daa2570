using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Hosting;
using Quartz;
using SnapshotBackup.Daemon.Configuration;
using SnapshotBackup.Daemon.Scheduling;
using SnapshotBackup.Daemon.Systemd;

namespace SnapshotBackup.Daemon.Hosting;

/// <summary>
/// Notices a wake-up from suspend (CLOCK_BOOTTIME advanced further than CLOCK_MONOTONIC, which stops while suspended)
/// and runs the catch-up check, so a laptop that slept through a scheduled time backs up once when it wakes.
/// </summary>
internal sealed class SuspendWatcher : BackgroundService
{
    private static readonly long Threshold = (long)TimeSpan.FromSeconds(30).TotalMicroseconds;

    private readonly Func<long> _suspendedMicroseconds;
    private readonly Func<CancellationToken, Task> _onResume;
    private readonly TimeSpan _period;
    private readonly ILogger _logger;

    public SuspendWatcher(ISchedulerFactory schedulerFactory, ConfigStore configs, JobRegistrar registrar, ILogger<SuspendWatcher> logger)
        : this(
            () => MonotonicClock.BootTimeMicroseconds() - MonotonicClock.NowMicroseconds(),
            async token => await registrar.CatchUpAllAsync(await schedulerFactory.GetScheduler(token), configs.Current, token),
            TimeSpan.FromSeconds(15),
            logger)
    {
    }

    /// <param name="suspendedMicroseconds">Total time spent suspended so far (BOOTTIME − MONOTONIC).</param>
    internal SuspendWatcher(Func<long> suspendedMicroseconds, Func<CancellationToken, Task> onResume, TimeSpan period, ILogger logger)
    {
        _suspendedMicroseconds = suspendedMicroseconds;
        _onResume = onResume;
        _period = period;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var suspended = _suspendedMicroseconds();
        using var timer = new PeriodicTimer(_period);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var now = _suspendedMicroseconds();
            if (now - suspended > Threshold)
            {
                _logger.LogInformation("resumed after {Seconds:0} s of suspend; checking for missed backups", (now - suspended) / 1e6);
                try
                {
                    await _onResume(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    _logger.LogError("catch-up after resume failed: {Reason}", e.Message);
                }
            }
            suspended = now;
        }
    }
}
