using System.Diagnostics;
using System.Security;
using System.Text;
using Tmds.DBus.Protocol;

namespace SnapshotBackup.Tests.Daemon;

/// <summary>
/// A private, throw-away <c>dbus-daemon</c> listening on a unix socket in a temp directory.
/// <code>
/// await using var bus = await DBusDaemonFixture.StartAsync();
/// using var connection = await bus.ConnectAsync();   // or new DBusConnection(bus.Address)
/// </code>
/// Disposing kills the daemon and deletes the directory; a failed start cleans up before throwing.
/// Marks the test Ignored when dbus-daemon is not installed. A user's session bus (<c>UserSessionBus</c>) is one of
/// these, listening on <c>/run/user/UID/bus</c> and running as that user.
/// </summary>
public sealed class DBusDaemonFixture : IAsyncDisposable, IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);

    private readonly Process _process;
    private readonly StringBuilder _stderr;
    private bool _disposed;

    private DBusDaemonFixture(Process process, StringBuilder stderr, string directory, string socketPath, string address)
    {
        _process = process;
        _stderr = stderr;
        TempDirectory = directory;
        SocketPath = socketPath;
        Address = address;
    }

    /// <summary>The address printed by dbus-daemon, e.g. <c>unix:path=/tmp/sb-dbus-…/bus,guid=…</c>.</summary>
    public string Address { get; }

    /// <summary>Path of the bus socket.</summary>
    public string SocketPath { get; }

    /// <summary>Directory holding the config and the socket; removed on dispose.</summary>
    public string TempDirectory { get; }

    /// <summary>The dbus-daemon process id (to check it is gone after dispose).</summary>
    public int ProcessId => _process.Id;

    /// <summary>What dbus-daemon wrote to stderr so far (for diagnostics).</summary>
    public string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public static string? FindDBusDaemon()
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':'))
        {
            if (dir.Length > 0 && File.Exists(Path.Combine(dir, "dbus-daemon")))
            {
                return Path.Combine(dir, "dbus-daemon");
            }
        }
        return null;
    }

    /// <param name="socketPath">Where the bus listens; a socket in the temp directory when null.</param>
    /// <param name="runAs">setpriv's arguments to run dbus-daemon as another user (config readable by that user).</param>
    public static async Task<DBusDaemonFixture> StartAsync(string? socketPath = null, IReadOnlyList<string>? runAs = null, CancellationToken ct = default)
    {
        string? daemon = FindDBusDaemon();
        if (daemon is null)
        {
            Assert.Ignore("dbus-daemon is not installed (apt-get install dbus)");
        }

        string directory = Path.Combine(Path.GetTempPath(), "sb-dbus-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        socketPath ??= Path.Combine(directory, "bus");
        string configPath = Path.Combine(directory, "bus.conf");
        var stderr = new StringBuilder();
        Process? process = null;
        try
        {
            await File.WriteAllTextAsync(configPath, Config(socketPath), ct);
            if (runAs is not null)
            {
                Fixtures.Shell.Check("chmod", "755", directory); // the user reads the config
                Fixtures.Shell.Check("chmod", "644", configPath);
            }
            var psi = new ProcessStartInfo(runAs is null ? daemon : SnapshotBackup.Core.Processes.SetPriv.Path)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            if (runAs is not null)
            {
                foreach (var argument in runAs)
                {
                    psi.ArgumentList.Add(argument);
                }
                psi.ArgumentList.Add(daemon);
            }
            psi.ArgumentList.Add("--config-file=" + configPath);
            psi.ArgumentList.Add("--nofork");
            psi.ArgumentList.Add("--print-address");
            process = Process.Start(psi) ?? throw new InvalidOperationException("dbus-daemon did not start");
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    lock (stderr)
                    {
                        stderr.AppendLine(e.Data);
                    }
                }
            };
            process.BeginErrorReadLine();

            string? address = await process.StandardOutput.ReadLineAsync(ct).AsTask().WaitAsync(StartTimeout, ct);
            if (string.IsNullOrWhiteSpace(address))
            {
                try
                {
                    await process.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromSeconds(2), ct);
                }
                catch (TimeoutException)
                {
                    // report what we have
                }
                string errors;
                lock (stderr)
                {
                    errors = stderr.ToString();
                }
                throw new InvalidOperationException($"dbus-daemon printed no address: {errors}");
            }
            return new DBusDaemonFixture(process, stderr, directory, socketPath, address.Trim());
        }
        catch
        {
            Kill(process);
            DeleteDirectory(directory);
            throw;
        }
    }

    /// <summary>Opens and connects a new connection to this bus; the caller disposes it.</summary>
    public async Task<DBusConnection> ConnectAsync()
    {
        var connection = new DBusConnection(new DBusConnectionOptions(Address) { AutoConnect = false });
        try
        {
            await connection.ConnectAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        Kill(_process);
        DeleteDirectory(TempDirectory);
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private static string Config(string socketPath) => $"""
        <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
         "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
        <busconfig>
          <type>session</type>
          <listen>unix:path={SecurityElement.Escape(socketPath)}</listen>
          <auth>EXTERNAL</auth>
          <policy context="default">
            <allow send_destination="*" eavesdrop="true"/>
            <allow eavesdrop="true"/>
            <allow own="*"/>
          </policy>
        </busconfig>
        """;

    /// <summary>Kills <paramref name="process"/> and its children, waits up to 5 s, and disposes it; null or gone is fine.</summary>
    internal static void Kill(Process? process)
    {
        if (process is null)
        {
            return;
        }
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
            process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        finally
        {
            process.Dispose();
        }
    }

    private static void DeleteDirectory(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // best effort
        }
        catch (UnauthorizedAccessException)
        {
            // best effort
        }
    }
}
