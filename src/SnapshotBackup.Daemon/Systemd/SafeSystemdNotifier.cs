using System.Net.Sockets;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;

namespace SnapshotBackup.Daemon.Systemd;

/// <summary>
/// The library's sd_notify client (<see cref="SystemdNotifier"/>: <c>$NOTIFY_SOCKET</c>, a path or an abstract
/// <c>@</c> socket) made safe to call from anywhere: a send that fails (the manager gone, the socket removed) is a
/// debug message, never an exception in a job, a reload or the host's lifetime.
/// </summary>
internal sealed class SafeSystemdNotifier(ISystemdNotifier inner, ILogger? logger = null) : ISystemdNotifier
{
    /// <summary>The library's notifier on the process's <c>$NOTIFY_SOCKET</c>.</summary>
    public SafeSystemdNotifier(ILogger<SafeSystemdNotifier>? logger = null)
        : this(new SystemdNotifier(), logger)
    {
    }

    public bool IsEnabled => inner.IsEnabled;

    public void Notify(ServiceState state)
    {
        try
        {
            inner.Notify(state);
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException)
        {
            logger?.LogDebug(e, "sd_notify {State} failed", state.ToString());
        }
    }
}
