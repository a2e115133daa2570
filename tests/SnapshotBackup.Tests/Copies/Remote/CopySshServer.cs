using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.Copies.Remote;

/// <summary>
/// A real sshd on 127.0.0.1 and a free port that lets root in by key only, with throw-away keys: <see cref="ForcedKey"/>
/// in <c>authorized_keys</c> behind <c>command="CLI serve --copies DIR",restrict</c> exactly as the README says;
/// <see cref="FakeKey"/> behind a forced command of our choosing (an old or foreign server); <see cref="OpenKey"/>
/// without a forced command; <see cref="WrongKey"/> not authorized at all. <see cref="Options"/> are the ssh options
/// for a key (<c>-F config -i KEY</c>). Root's own ssh files are not touched. Disposing stops sshd and deletes it all.
/// </summary>
public sealed class CopySshServer : IAsyncDisposable
{
    private Process? _sshd;

    private CopySshServer(string directory, int port)
    {
        Directory = directory;
        Port = port;
    }

    public string Directory { get; }

    public int Port { get; }

    public string ForcedKey => Path.Combine(Directory, "forced_key");

    public string FakeKey => Path.Combine(Directory, "fake_key");

    public string OpenKey => Path.Combine(Directory, "open_key");

    public string WrongKey => Path.Combine(Directory, "wrong_key");

    public string ClientConfig => Path.Combine(Directory, "ssh_config");

    /// <summary>The authorized_keys line of <see cref="ForcedKey"/>.</summary>
    public string ForcedLine { get; private set; } = string.Empty;

    public IReadOnlyList<string> Options(string key) => ["-F", ClientConfig, "-i", key];

    /// <summary>Starts sshd; <paramref name="cli"/> serves <paramref name="copies"/>; <paramref name="fakeCommand"/> is the fake key's forced command.</summary>
    public static async Task<CopySshServer> StartAsync(string cli, string copies, string fakeCommand)
    {
        if (!File.Exists("/usr/sbin/sshd") || !File.Exists("/usr/bin/ssh"))
        {
            Assert.Ignore("sshd or ssh is not installed (apt-get install openssh-server openssh-client)");
        }
        var directory = System.IO.Directory.CreateTempSubdirectory("sb-copy-ssh-").FullName;
        var server = new CopySshServer(directory, FreePort());
        try
        {
            await server.StartSshdAsync(cli, copies, fakeCommand);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private async Task StartSshdAsync(string cli, string copies, string fakeCommand)
    {
        var hostKey = Path.Combine(Directory, "host_key");
        foreach (var key in new[] { hostKey, ForcedKey, FakeKey, OpenKey, WrongKey })
        {
            Shell.Check("ssh-keygen", "-q", "-t", "ed25519", "-N", string.Empty, "-f", key);
        }
        string Public(string key) => File.ReadAllText(key + ".pub").Trim();
        ForcedLine = $"command=\"{cli} serve --copies {copies}\",restrict {Public(ForcedKey)}";
        var authorizedKeys = Path.Combine(Directory, "authorized_keys");
        await File.WriteAllTextAsync(authorizedKeys, string.Join('\n',
            ForcedLine,
            $"command=\"{fakeCommand}\",restrict {Public(FakeKey)}",
            Public(OpenKey)) + "\n");
        var port = Port.ToString(CultureInfo.InvariantCulture);
        await File.WriteAllTextAsync(Path.Combine(Directory, "known_hosts"), $"[127.0.0.1]:{port} {Public(hostKey)}\n");
        await File.WriteAllTextAsync(Path.Combine(Directory, "sshd_config"), $"""
            Port {port}
            ListenAddress 127.0.0.1
            HostKey {hostKey}
            PidFile {Path.Combine(Directory, "sshd.pid")}
            AuthorizedKeysFile {authorizedKeys}
            StrictModes no
            UsePAM no
            PubkeyAuthentication yes
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PermitRootLogin prohibit-password
            AllowUsers root
            X11Forwarding no
            LogLevel VERBOSE
            """);
        await File.WriteAllTextAsync(ClientConfig, $"""
            Host *
              HostName 127.0.0.1
              Port {port}
              IdentitiesOnly yes
              UserKnownHostsFile {Path.Combine(Directory, "known_hosts")}
              GlobalKnownHostsFile /dev/null
              StrictHostKeyChecking yes
              LogLevel ERROR
            """);
        System.IO.Directory.CreateDirectory("/run/sshd"); // privilege separation directory

        var info = new ProcessStartInfo("/usr/sbin/sshd") { UseShellExecute = false, RedirectStandardError = true };
        foreach (var a in (string[])["-D", "-e", "-f", Path.Combine(Directory, "sshd_config")])
        {
            info.ArgumentList.Add(a);
        }
        _sshd = Process.Start(info) ?? throw new InvalidOperationException("cannot start sshd");
        _sshd.ErrorDataReceived += (_, e) => TestContext.Progress.WriteLine("sshd: " + e.Data);
        _sshd.BeginErrorReadLine();

        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (watch.Elapsed < TimeSpan.FromSeconds(10) && !_sshd.HasExited)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>Runs <c>ssh -T root@copyhost COMMAND...</c> with <paramref name="key"/> (no command: none asked for).</summary>
    public Shell.Result Ssh(string key, params string[] command) =>
        Shell.Run("ssh", [.. Options(key), "-o", "BatchMode=yes", "-T", "root@copyhost", .. command], null, TimeSpan.FromMinutes(1));

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (_sshd is not null)
        {
            try
            {
                if (!_sshd.HasExited)
                {
                    _sshd.Kill(entireProcessTree: true);
                }
                await _sshd.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                // gone already
            }
            _sshd.Dispose();
        }
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}
