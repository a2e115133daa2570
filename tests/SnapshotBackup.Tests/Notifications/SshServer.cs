using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using SnapshotBackup.Core.Notifications;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.Notifications;

/// <summary>
/// A real sshd on 127.0.0.1 and a free high port, with throw-away host and client keys, accepting the client key
/// for <see cref="TestUser"/>, plus an ssh client configuration (<see cref="ClientConfig"/>, for <c>ssh -F</c>) that
/// reaches it as any host name. Root's own ssh configuration is not touched. Disposing stops sshd and deletes it all.
/// </summary>
public sealed class SshServer : IAsyncDisposable
{
    private Process? _sshd;

    private SshServer(string directory, int port)
    {
        Directory = directory;
        Port = port;
    }

    public string Directory { get; }

    public int Port { get; }

    /// <summary>An ssh_config for <c>-F</c>: port, identity and known host key of this server.</summary>
    public string ClientConfig => Path.Combine(Directory, "ssh_config");

    public static async Task<SshServer> StartAsync(UserAccount user)
    {
        if (!File.Exists("/usr/sbin/sshd") || !File.Exists("/usr/bin/ssh"))
        {
            Assert.Ignore("sshd or ssh is not installed (apt-get install openssh-server openssh-client)");
        }
        var directory = System.IO.Directory.CreateTempSubdirectory("sb-notify-ssh-").FullName;
        var server = new SshServer(directory, FreePort());
        try
        {
            await server.StartSshdAsync(user);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private async Task StartSshdAsync(UserAccount user)
    {
        Shell.Check("chmod", "755", Directory); // sshd reads authorized_keys as the user
        var hostKey = Path.Combine(Directory, "host_key");
        var clientKey = Path.Combine(Directory, "client_key");
        Shell.Check("ssh-keygen", "-q", "-t", "ed25519", "-N", string.Empty, "-f", hostKey);
        Shell.Check("ssh-keygen", "-q", "-t", "ed25519", "-N", string.Empty, "-f", clientKey);
        var authorizedKeys = Path.Combine(Directory, "authorized_keys");
        File.Copy(clientKey + ".pub", authorizedKeys);
        Shell.Check("chmod", "644", authorizedKeys);
        var port = Port.ToString(CultureInfo.InvariantCulture);
        var hostPublic = (await File.ReadAllTextAsync(hostKey + ".pub")).Trim();
        await File.WriteAllTextAsync(Path.Combine(Directory, "known_hosts"), $"[127.0.0.1]:{port} {hostPublic}\n");
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
            PermitRootLogin no
            AllowUsers {user.Name}
            AllowStreamLocalForwarding yes
            X11Forwarding no
            LogLevel VERBOSE
            """);
        await File.WriteAllTextAsync(ClientConfig, $"""
            Host *
              HostName 127.0.0.1
              Port {port}
              IdentityFile {clientKey}
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

    private static int FreePort()
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
                    // Kills the listener and the per-connection children (a forward still open, for one).
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
