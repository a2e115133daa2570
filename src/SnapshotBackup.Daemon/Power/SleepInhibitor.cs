using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using Tmds.DBus.Protocol;

namespace SnapshotBackup.Daemon.Power;

/// <summary>
/// Takes a systemd-logind "delay" inhibitor lock for sleep over the system bus
/// (<c>org.freedesktop.login1.Manager.Inhibit</c>), so a suspend waits for the running backup.
/// Best effort: any failure is logged at Debug and yields a no-op lock.
/// </summary>
public sealed class SleepInhibitor : ISleepInhibitor
{
    public const string DefaultSystemBusAddress = "unix:path=/run/dbus/system_bus_socket";
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    internal const string LogindService = "org.freedesktop.login1";
    internal const string LogindPath = "/org/freedesktop/login1";
    internal const string ManagerInterface = "org.freedesktop.login1.Manager";
    internal const string Who = "snapshotbackup";

    private readonly ILogger<SleepInhibitor> _logger;
    private readonly string _busAddress;
    private readonly TimeSpan _timeout;

    /// <summary>Uses the system bus (<c>DBUS_SYSTEM_BUS_ADDRESS</c> or the standard socket) and a 5 s timeout.</summary>
    public SleepInhibitor(ILogger<SleepInhibitor> logger)
        : this(logger, SystemBusAddress(), DefaultTimeout)
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

    internal static string SystemBusAddress()
    {
        string? address = DBusAddress.System;
        return string.IsNullOrWhiteSpace(address) ? DefaultSystemBusAddress : address;
    }

    public async Task<IAsyncDisposable> AcquireAsync(string why, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(why);
        ct.ThrowIfCancellationRequested();

        using var timeoutCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeoutCts.CancelAfter(_timeout);
        DBusConnection? connection = null;
        Task<SafeFileHandle>? call = null;
        bool handedOut = false;
        try
        {
            connection = new DBusConnection(new DBusConnectionOptions(_busAddress) { AutoConnect = false });
            await connection.ConnectAsync().AsTask().WaitAsync(timeoutCts.Token);

            call = connection.CallMethodAsync(CreateInhibitCall(connection, why), ReadFd, readerState: null);
            SafeFileHandle fd = await call.WaitAsync(timeoutCts.Token);

            handedOut = true;
            _logger.LogDebug("Took logind sleep inhibitor lock ({Why})", why);
            return new InhibitorLock(fd, _logger, why);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            _logger.LogDebug("Taking the sleep inhibitor lock was cancelled");
            throw;
        }
        catch (OperationCanceledException)
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
        finally
        {
            // The lock lives in the fd, not in the connection. Disposing the connection also fails a call
            // still in flight; should its reply have won the race, close the fd it carried.
            connection?.Dispose();
            if (call is not null && !handedOut)
            {
                _ = call.ContinueWith(
                    static t =>
                    {
                        if (t.IsCompletedSuccessfully)
                        {
                            t.Result.Dispose();
                        }
                        else
                        {
                            _ = t.Exception; // observed: we gave up on this call
                        }
                    },
                    CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
            }
        }
    }

    private static MessageBuffer CreateInhibitCall(DBusConnection connection, string why)
    {
        using MessageWriter writer = connection.GetMessageWriter();
        writer.WriteMethodCallHeader(
            destination: LogindService,
            path: LogindPath,
            @interface: ManagerInterface,
            member: "Inhibit",
            signature: "ssss",
            flags: MessageFlags.None);
        writer.WriteString("sleep"); // what
        writer.WriteString(Who); // who
        writer.WriteString(why); // why
        writer.WriteString("delay"); // mode
        return writer.CreateMessage();
    }

    private static SafeFileHandle ReadFd(Message message, object? state)
    {
        Reader reader = message.GetBodyReader();
        return reader.ReadHandle<SafeFileHandle>();
    }
}
