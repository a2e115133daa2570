using System.Net.Sockets;
using System.Text;

namespace SnapshotBackup.Tests.Daemon;

/// <summary>A bound AF_UNIX SOCK_DGRAM socket in a fresh temp directory (or the abstract namespace), for receiving test datagrams.</summary>
internal sealed class DatagramReceiver : IDisposable
{
    private readonly string? directory;

    private DatagramReceiver(Socket socket, string address, string? directory)
    {
        Socket = socket;
        Address = address;
        this.directory = directory;
    }

    public Socket Socket { get; }

    /// <summary>The address as a client would name it: a path, or <c>@name</c> for the abstract namespace.</summary>
    public string Address { get; }

    public static DatagramReceiver BindPath(string fileName = "sock")
    {
        var dir = Directory.CreateTempSubdirectory("sbd-test-").FullName;
        var path = Path.Combine(dir, fileName);
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        socket.ReceiveTimeout = 5000;
        return new DatagramReceiver(socket, path, dir);
    }

    public static DatagramReceiver BindAbstract()
    {
        var name = "snapshotbackup-test-" + Guid.NewGuid().ToString("N");
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint("\0" + name));
        socket.ReceiveTimeout = 5000;
        return new DatagramReceiver(socket, "@" + name, null);
    }

    public byte[] Receive()
    {
        var buffer = new byte[4 * 1024 * 1024];
        var n = Socket.Receive(buffer);
        return buffer[..n];
    }

    public string ReceiveString() => Encoding.UTF8.GetString(Receive());

    /// <summary>True when a datagram is waiting (or arrives within <paramref name="waitMicroseconds"/>).</summary>
    public bool HasPending(int waitMicroseconds = 0) => Socket.Poll(waitMicroseconds, SelectMode.SelectRead);

    public void Dispose()
    {
        Socket.Dispose();
        if (directory is not null)
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
