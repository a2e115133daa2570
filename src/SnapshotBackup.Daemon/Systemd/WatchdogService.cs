using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;

namespace SnapshotBackup.Daemon.Systemd;

/// <summary>
/// Sends <c>WATCHDOG=1</c> every <c>$WATCHDOG_USEC</c>/2 when systemd's watchdog is enabled for this process
/// (<c>$WATCHDOG_USEC</c> set and <c>$WATCHDOG_PID</c> unset or equal to our pid); does nothing otherwise.
/// </summary>
internal sealed class WatchdogService : BackgroundService
{
    private readonly ISystemdNotifier _notifier;
    private readonly ILogger? _logger;

    public WatchdogService(ISystemdNotifier notifier, ILogger<WatchdogService>? logger = null)
        : this(notifier, Environment.GetEnvironmentVariable, Environment.ProcessId, logger)
    {
    }

    internal WatchdogService(ISystemdNotifier notifier, Func<string, string?> environment, int processId, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(notifier);
        ArgumentNullException.ThrowIfNull(environment);
        _notifier = notifier;
        _logger = logger;
        Interval = notifier.IsEnabled ? ReadInterval(environment, processId) : null;
    }

    /// <summary>The ping period, or null when the watchdog is not enabled for this process.</summary>
    internal TimeSpan? Interval { get; }

    /// <summary>Half of <c>$WATCHDOG_USEC</c>, or null when the watchdog is off or meant for another process.</summary>
    internal static TimeSpan? ReadInterval(Func<string, string?> environment, int processId)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (!long.TryParse(environment("WATCHDOG_USEC"), NumberStyles.None, CultureInfo.InvariantCulture, out var usec) || usec <= 0)
        {
            return null;
        }

        var pid = environment("WATCHDOG_PID");
        if (!string.IsNullOrEmpty(pid)
            && (!int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var watchdogPid) || watchdogPid != processId))
        {
            return null;
        }

        // TimeSpan ticks are 100 ns; keep at least 1 ms so the timer is valid.
        return TimeSpan.FromTicks(Math.Max(usec / 2 * TimeSpan.TicksPerMicrosecond, TimeSpan.TicksPerMillisecond));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (Interval is not { } interval)
        {
            return;
        }

        _logger?.LogDebug("systemd watchdog enabled; pinging every {Interval}", interval);
        _notifier.Notify(SystemdStates.Watchdog);
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                _notifier.Notify(SystemdStates.Watchdog);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host shutdown.
        }
    }
}
