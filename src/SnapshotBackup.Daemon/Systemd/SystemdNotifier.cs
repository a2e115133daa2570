using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace SnapshotBackup.Daemon.Systemd;

/// <summary>
/// sd_notify(3) client: sends datagrams to <c>$NOTIFY_SOCKET</c> (a path, or an abstract socket when it starts with <c>@</c>).
/// Send failures are logged at debug level and otherwise ignored.
/// </summary>
internal sealed class SystemdNotifier : ISystemdNotify, IDisposable
{
    private readonly UnixDomainSocketEndPoint? endPoint;
    private readonly ILogger? logger;
    private readonly Lock gate = new();
    private Socket? socket;
    private bool disposed;

    /// <summary>Reads <c>$NOTIFY_SOCKET</c> from the process environment.</summary>
    public SystemdNotifier(ILogger<SystemdNotifier>? logger = null)
        : this(Environment.GetEnvironmentVariable, logger)
    {
    }

    /// <summary>Reads <c>NOTIFY_SOCKET</c> through <paramref name="environment"/>.</summary>
    internal SystemdNotifier(Func<string, string?> environment, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        this.logger = logger;
        var address = environment("NOTIFY_SOCKET");
        if (string.IsNullOrEmpty(address))
        {
            return;
        }

        if (address[0] == '@')
        {
            // Abstract namespace: .NET encodes it as a leading NUL byte.
            endPoint = new UnixDomainSocketEndPoint("\0" + address[1..]);
        }
        else if (address[0] == '/')
        {
            endPoint = new UnixDomainSocketEndPoint(address);
        }
        else
        {
            logger?.LogDebug("Ignoring unsupported NOTIFY_SOCKET {NotifySocket}", address);
        }
    }

    public bool IsEnabled => endPoint is not null;

    public void Notify(string state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (endPoint is null)
        {
            return;
        }

        var payload = Encoding.UTF8.GetBytes(state);
        lock (gate)
        {
            if (disposed)
            {
                return;
            }

            try
            {
                socket ??= new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
                socket.SendTo(payload, SocketFlags.None, endPoint);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException or IOException)
            {
                logger?.LogDebug(ex, "sd_notify {State} failed", state);
                socket?.Dispose();
                socket = null;
            }
        }
    }

    /// <summary><c>READY=1</c>: start-up finished.</summary>
    public void Ready() => Notify("READY=1");

    /// <summary><c>STOPPING=1</c>: shutdown began.</summary>
    public void Stopping() => Notify("STOPPING=1");

    /// <summary><c>RELOADING=1</c> with the CLOCK_MONOTONIC timestamp systemd ≥ 253 requires for Type=notify-reload.</summary>
    public void Reloading() =>
        Notify(string.Create(CultureInfo.InvariantCulture, $"RELOADING=1\nMONOTONIC_USEC={MonotonicClock.NowMicroseconds()}"));

    /// <summary><c>STATUS=</c>: free-form status text shown by <c>systemctl status</c> (newlines become spaces).</summary>
    public void Status(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Notify("STATUS=" + text.ReplaceLineEndings(" "));
    }

    /// <summary><c>WATCHDOG=1</c>: keep-alive ping.</summary>
    public void Watchdog() => Notify("WATCHDOG=1");

    public void Dispose()
    {
        lock (gate)
        {
            disposed = true;
            socket?.Dispose();
            socket = null;
        }
    }
}
