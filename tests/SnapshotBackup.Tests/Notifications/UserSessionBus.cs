using System.Diagnostics;
using System.Globalization;
using SnapshotBackup.Core.Notifications;
using SnapshotBackup.Tests.Daemon;
using Tmds.DBus.Protocol;

namespace SnapshotBackup.Tests.Notifications;

/// <summary>
/// The test user's session bus as on a desktop: <c>dbus-daemon --session</c>-like (EXTERNAL auth, so only its owner
/// may connect) running as <see cref="TestUser"/> on <c>/run/user/UID/bus</c>, with a <see cref="NotificationRecorder"/>
/// serving <c>org.freedesktop.Notifications</c>. The recorder's connection is made by a bridge process running as the
/// user (<c>systemd-stdio-bridge</c>), so the bus sees the user, exactly as it would see a desktop notification daemon.
/// Disposing stops both processes and removes the socket, the runtime directory when created here, and the temp files.
/// </summary>
public sealed class UserSessionBus : IAsyncDisposable
{
    private DBusDaemonFixture? _daemon;
    private Process? _bridge;
    private DBusConnection? _connection;
    private bool _createdRuntimeDirectory;

    private UserSessionBus(UserAccount user)
    {
        User = user;
        RuntimeDirectory = "/run/user/" + user.Uid.ToString(CultureInfo.InvariantCulture);
    }

    public UserAccount User { get; }

    public string RuntimeDirectory { get; }

    public string SocketPath => Path.Combine(RuntimeDirectory, "bus");

    public string Address => "unix:path=" + SocketPath;

    public NotificationRecorder Recorder { get; } = new();

    public static async Task<UserSessionBus> StartAsync()
    {
        var user = TestUser.Ensure();
        var bus = new UserSessionBus(user);
        try
        {
            await bus.StartDaemonAsync();
            await bus.StartRecorderAsync();
            return bus;
        }
        catch
        {
            await bus.DisposeAsync();
            throw;
        }
    }

    private async Task StartDaemonAsync()
    {
        if (!Directory.Exists(RuntimeDirectory))
        {
            Directory.CreateDirectory(RuntimeDirectory);
            _createdRuntimeDirectory = true;
        }
        File.Delete(SocketPath);
        Chown(RuntimeDirectory);
        Fixtures.Shell.Check("chmod", "700", RuntimeDirectory);

        _daemon = await DBusDaemonFixture.StartAsync(SocketPath, TestUser.AsUser(User));
    }

    private async Task StartRecorderAsync()
    {
        var bridge = "/usr/bin/systemd-stdio-bridge";
        if (!File.Exists(bridge))
        {
            Assert.Ignore("systemd-stdio-bridge is not installed (apt-get install systemd)");
        }
        var info = new ProcessStartInfo(SnapshotBackup.Core.Processes.SetPriv.Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])[.. TestUser.AsUser(User), bridge, "-p", Address])
        {
            info.ArgumentList.Add(argument);
        }
        _bridge = Process.Start(info) ?? throw new InvalidOperationException("cannot start " + bridge);
        var stream = new DuplexStream(_bridge.StandardOutput.BaseStream, _bridge.StandardInput.BaseStream);
        _connection = new DBusConnection(new StreamOptions(stream, User.Uid.ToString(CultureInfo.InvariantCulture)) { AutoConnect = false });
        await _connection.ConnectAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        _connection.AddMethodHandler(Recorder);
        if (!await _connection.TryRequestNameAsync(DBusNotificationClient.Service).WaitAsync(TimeSpan.FromSeconds(5)))
        {
            throw new InvalidOperationException(DBusNotificationClient.Service + " is already owned");
        }
    }

    private void Chown(string path) =>
        Fixtures.Shell.Check("chown", $"{User.Uid}:{User.Gid}", path);

    public ValueTask DisposeAsync()
    {
        _connection?.Dispose();
        DBusDaemonFixture.Kill(_bridge);
        _daemon?.Dispose();
        try
        {
            File.Delete(SocketPath);
            if (_createdRuntimeDirectory)
            {
                Directory.Delete(RuntimeDirectory, recursive: true);
            }
        }
        catch (IOException)
        {
            // best effort
        }
        return ValueTask.CompletedTask;
    }

    /// <summary>A bus connection over a given stream (the bridge's stdio), authenticating as <paramref name="userId"/>.</summary>
    private sealed class StreamOptions(Stream stream, string userId) : DBusConnectionOptions
    {
        protected override ValueTask<SetupResult> SetupAsync(CancellationToken cancellationToken) =>
            ValueTask.FromResult(new SetupResult { ConnectionStream = stream, UserId = userId });
    }
}

/// <summary>Reads from one stream and writes to another (a child's stdout and stdin) as one stream.</summary>
internal sealed class DuplexStream(Stream input, Stream output) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush() => output.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => output.FlushAsync(cancellationToken);
    public override int Read(byte[] buffer, int offset, int count) => input.Read(buffer, offset, count);
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => input.ReadAsync(buffer, cancellationToken);
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => input.ReadAsync(buffer, offset, count, cancellationToken);
    public override void Write(byte[] buffer, int offset, int count)
    {
        output.Write(buffer, offset, count);
        output.Flush();
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await output.WriteAsync(buffer, cancellationToken);
        await output.FlushAsync(cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            input.Dispose();
            output.Dispose();
        }
        base.Dispose(disposing);
    }
}
