using System.Net.Sockets;

namespace SnapshotBackup.Core.Logging;

/// <summary>Checks that something receives on the journal's socket before a command or the daemon logs there.</summary>
public static class JournalProbe
{
    /// <summary>Null when a datagram socket connects to <paramref name="socketPath"/>; otherwise why not.</summary>
    public static string? WhyUnavailable(string socketPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        if (!File.Exists(socketPath))
        {
            return $"{socketPath} does not exist";
        }
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
            return null;
        }
        catch (SocketException e)
        {
            return $"{socketPath}: {e.Message}";
        }
    }
}
