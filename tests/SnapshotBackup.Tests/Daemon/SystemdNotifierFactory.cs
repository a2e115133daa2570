using Microsoft.Extensions.Hosting.Systemd;
using SnapshotBackup.Daemon.Systemd;

namespace SnapshotBackup.Tests.Daemon;

/// <summary>
/// The daemon's notifier (the library's <see cref="SystemdNotifier"/>, made safe) on a given <c>NOTIFY_SOCKET</c>: the
/// library reads the variable once, in its constructor, so it is set for that moment only.
/// </summary>
internal static class SystemdNotifierFactory
{
    private static readonly Lock Gate = new();

    public static ISystemdNotifier For(string? notifySocket)
    {
        lock (Gate)
        {
            var previous = Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
            Environment.SetEnvironmentVariable("NOTIFY_SOCKET", notifySocket);
            try
            {
                return new SafeSystemdNotifier(new SystemdNotifier());
            }
            finally
            {
                Environment.SetEnvironmentVariable("NOTIFY_SOCKET", previous);
            }
        }
    }
}
