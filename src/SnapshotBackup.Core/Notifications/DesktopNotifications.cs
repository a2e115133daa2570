using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Processes;
using SnapshotBackup.Core.Runs;

namespace SnapshotBackup.Core.Notifications;

/// <summary>
/// Notifies a backup section's targets (the local desktops, <c>DBUS_SESSION_BUS_ADDRESS</c>'s bus among them, and
/// <c>notify_remote</c>): used by the CLI's <c>backup</c> and <c>notify-test</c> and by the daemon's runs. A failure to notify is a warning, never an exception, and every
/// send is bounded by <see cref="Timeout"/>.
/// </summary>
public sealed class DesktopNotifications : IRunNotifier
{
    private readonly ILogger _logger;

    /// <param name="logger">Where a failed notification is a warning.</param>
    /// <param name="environment">Reads <c>DBUS_SESSION_BUS_ADDRESS</c> (default: this process's environment).</param>
    public DesktopNotifications(ILogger logger, Func<string, string?>? environment = null)
    {
        _logger = logger;
        var runner = new ProcessRunner(logger) { GracePeriod = TimeSpan.FromSeconds(2) };
        var sessionBus = (environment ?? Environment.GetEnvironmentVariable)(SessionBusAddress.Variable);
        Targets = config =>
        {
            var list = new List<INotificationTarget> { new LocalDesktopTarget(logger, runner, config.NotifyUser) { SessionBusAddress = sessionBus } };
            if (config.NotifyRemote is { Length: > 0 } remote)
            {
                list.Add(new RemoteDesktopTarget(logger, runner, remote));
            }
            return list;
        };
    }

    /// <summary>The notification targets of a section (replaceable for tests).</summary>
    public Func<BackupConfig, IReadOnlyList<INotificationTarget>> Targets { get; init; }

    /// <summary>The time zone whose wall clock <c>silent_fail_threshold</c> counts on.</summary>
    public TimeZoneInfo LocalTimeZone { get; init; } = TimeZoneInfo.Local;

    /// <summary>Overall bound for one notification to all targets (they are sent in parallel).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(12);

    /// <summary>
    /// Sends to every target of <paramref name="config"/> and returns one result per target; logs nothing, so a caller
    /// that prints the results (notify-test) reports each target once. <see cref="NotifyRunAsync"/> logs them.
    /// </summary>
    public async Task<IReadOnlyList<NotificationResult>> SendAsync(BackupConfig config, Notification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Timeout);
        var sends = Targets(config).Select(async target =>
        {
            try
            {
                return await target.SendAsync(notification, deadline.Token).WaitAsync(deadline.Token);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                var reason = e is OperationCanceledException && !cancellationToken.IsCancellationRequested
                    ? $"no answer within {Timeout.TotalSeconds:0} s"
                    : e.Message;
                return (IReadOnlyList<NotificationResult>)[new NotificationResult(target.GetType().Name, false, reason)];
            }
        });
        return (await Task.WhenAll(sends)).SelectMany(r => r).ToList();
    }

    /// <summary>
    /// Notifies a run's outcome when <see cref="NotificationPolicy"/> says so. Never throws, not even when
    /// <paramref name="cancellationToken"/> fires, so it never changes the run's result.
    /// </summary>
    /// <inheritdoc cref="IRunNotifier.NotifyRunAsync"/>
    public async Task NotifyRunAsync(BackupConfig config, RunOutcome outcome, string? detail, DateTimeOffset? lastSuccess, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (!NotificationPolicy.ShouldNotify(outcome, lastSuccess, config.SilentFailThreshold, now, LocalTimeZone))
        {
            _logger.LogDebug("backup {Backup}: {Outcome} not notified (interrupted, or the last success {Last} is within silent_fail_threshold)", config.Name, outcome, lastSuccess);
            return;
        }
        var notification = outcome == RunOutcome.Succeeded
            ? Notification.Succeeded(config.Name, detail)
            : Notification.Failed(config.Name, detail ?? "unknown error");
        try
        {
            foreach (var result in await SendAsync(config, notification, cancellationToken))
            {
                if (result.Delivered)
                {
                    _logger.LogDebug("backup {Backup}: notification delivered to {Target}", config.Name, result.Target);
                }
                else
                {
                    _logger.LogWarning("backup {Backup}: could not notify {Target}: {Reason}", config.Name, result.Target, result.Error);
                }
            }
        }
        catch (OperationCanceledException)
        {
            _logger.LogDebug("backup {Backup}: notification cancelled", config.Name);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _logger.LogWarning("backup {Backup}: could not notify: {Reason}", config.Name, e.Message);
        }
    }
}
