using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.DBus;
using Tmds.DBus.Protocol;

namespace SnapshotBackup.Daemon.Power;

/// <summary>
/// Takes a systemd-logind "delay" inhibitor lock for sleep (<see cref="Logind.InhibitSleepAsync"/>), so a suspend
/// waits for the running backup. Best effort: any failure is logged at Debug and yields a no-op lock.
/// </summary>
public sealed class SleepInhibitor : ISleepInhibitor
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    internal const string Who = "snapshotbackup";

    private readonly ILogger<SleepInhibitor> _logger;
    private readonly string _busAddress;
    private readonly TimeSpan _timeout;

    /// <summary>Uses the system bus (<c>DBUS_SYSTEM_BUS_ADDRESS</c> or the standard socket) and a 5 s timeout.</summary>
    public SleepInhibitor(ILogger<SleepInhibitor> logger)
        : this(logger, Logind.SystemBusAddress(), DefaultTimeout)
    {
    }

    /// <param name="logger">Receives Debug messages about failures.</param>
    /// <param name="busAddress">D-Bus address of the system bus, e.g. <c>unix:path=/run/dbus/system_bus_socket</c>.</param>
    /// <param name="timeout">Total time allowed for connecting and calling Inhibit.</param>
    public SleepInhibitor(ILogger<SleepInhibitor> logger, string busAddress, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentException.ThrowIfNullOrWhiteSpace(busAddress);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        _logger = logger;
        _busAddress = busAddress;
        _timeout = timeout;
    }

    public async Task<IAsyncDisposable> AcquireAsync(string why, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(why);
        ct.ThrowIfCancellationRequested();
        try
        {
            var fd = await Logind.InhibitSleepAsync(_busAddress, Who, why, _timeout, ct);
            _logger.LogDebug("Took logind sleep inhibitor lock ({Why})", why);
            return new InhibitorLock(fd, _logger, why);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            _logger.LogDebug("Taking the sleep inhibitor lock was cancelled");
            throw;
        }
        catch (TimeoutException)
        {
            _logger.LogDebug("No sleep inhibitor lock: logind did not answer within {Timeout}", _timeout);
            return NoOpInhibitorLock.Instance;
        }
        catch (DBusErrorReplyException ex)
        {
            // ServiceUnknown / NameHasNoOwner: logind is not running; AccessDenied etc.: policy says no.
            _logger.LogDebug("No sleep inhibitor lock: {ErrorName}: {ErrorMessage}", ex.ErrorName, ex.ErrorMessage);
            return NoOpInhibitorLock.Instance;
        }
        catch (Exception ex)
        {
            _logger.LogDebug(ex, "No sleep inhibitor lock: cannot reach logind on {Address}", _busAddress);
            return NoOpInhibitorLock.Instance;
        }
    }
}
