using System.Diagnostics;
using System.Globalization;
using System.Security;
using System.Text;
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
    private readonly List<Process> _processes = [];
    private DBusConnection? _connection;
    private bool _createdRuntimeDirectory;
    private string? _configDirectory;

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
        if (DBusDaemonFixture.FindDBusDaemon() is not { } daemon)
        {
            Assert.Ignore("dbus-daemon is not installed (apt-get install dbus)");
            throw new InvalidOperationException();
        }
        var bus = new UserSessionBus(user);
        try
        {
            await bus.StartDaemonAsync(daemon);
            await bus.StartRecorderAsync();
            return bus;
        }
        catch
        {
            await bus.DisposeAsync();
            throw;
        }
    }

    private async Task StartDaemonAsync(string daemon)
    {
        if (!Directory.Exists(RuntimeDirectory))
        {
            Directory.CreateDirectory(RuntimeDirectory);
            _createdRuntimeDirectory = true;
        }
        File.Delete(SocketPath);
        Chown(RuntimeDirectory);
        Fixtures.Shell.Check("chmod", "700", RuntimeDirectory);

        _configDirectory = Directory.CreateTempSubdirectory("sb-notify-bus-").FullName;
        Fixtures.Shell.Check("chmod", "755", _configDirectory); // the user reads the config
        var config = Path.Combine(_configDirectory, "session.conf");
        await File.WriteAllTextAsync(config, $"""
            <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
             "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
            <busconfig>
              <type>session</type>
              <listen>unix:path={SecurityElement.Escape(SocketPath)}</listen>
              <auth>EXTERNAL</auth>
              <policy context="default">
                <allow send_destination="*" eavesdrop="true"/>
                <allow eavesdrop="true"/>
                <allow own="*"/>
              </policy>
            </busconfig>
            """);
        Fixtures.Shell.Check("chmod", "644", config);

        var process = Start("/usr/bin/setpriv", [.. TestUser.AsUser(User), daemon, "--config-file=" + config, "--nofork", "--print-address"], redirectInput: false);
        var address = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));
        if (string.IsNullOrWhiteSpace(address))
        {
            throw new InvalidOperationException("dbus-daemon as " + User.Name + " printed no address: " + await process.StandardError.ReadToEndAsync());
        }
    }

    private async Task StartRecorderAsync()
    {
        var bridge = "/usr/bin/systemd-stdio-bridge";
        if (!File.Exists(bridge))
        {
            Assert.Ignore("systemd-stdio-bridge is not installed (apt-get install systemd)");
        }
        var process = Start("/usr/bin/setpriv", [.. TestUser.AsUser(User), bridge, "-p", Address], redirectInput: true);
        var stream = new DuplexStream(process.StandardOutput.BaseStream, process.StandardInput.BaseStream);
        _connection = new DBusConnection(new StreamOptions(stream, User.Uid.ToString(CultureInfo.InvariantCulture)) { AutoConnect = false });
        await _connection.ConnectAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        _connection.AddMethodHandler(Recorder);
        if (!await _connection.TryRequestNameAsync(DBusNotificationClient.Service).WaitAsync(TimeSpan.FromSeconds(5)))
        {
            throw new InvalidOperationException(DBusNotificationClient.Service + " is already owned");
        }
    }

    private Process Start(string file, IEnumerable<string> arguments, bool redirectInput)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = !redirectInput,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
        };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start " + file);
        _processes.Add(process);
        return process;
    }

    private void Chown(string path) =>
        Fixtures.Shell.Check("chown", $"{User.Uid}:{User.Gid}", path);

    public async ValueTask DisposeAsync()
    {
        _connection?.Dispose();
        foreach (var process in _processes)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                // gone already, or reported by the leftover check
            }
            process.Dispose();
        }
        try
        {
            File.Delete(SocketPath);
            if (_createdRuntimeDirectory)
            {
                Directory.Delete(RuntimeDirectory, recursive: true);
            }
            if (_configDirectory is not null)
            {
                Directory.Delete(_configDirectory, recursive: true);
            }
        }
        catch (IOException)
        {
            // best effort
        }
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
