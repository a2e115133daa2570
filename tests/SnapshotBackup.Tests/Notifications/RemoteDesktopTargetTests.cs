using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using SnapshotBackup.Core.Notifications;
using SnapshotBackup.Core.Processes;

namespace SnapshotBackup.Tests.Notifications;

/// <summary>
/// notify_remote over a real sshd on 127.0.0.1 to the test user's real session bus. The notifying side runs as root.
/// </summary>
[Category("Notifications")]
[NonParallelizable]
public class RemoteDesktopTargetTests
{
    private const string Injection = "'\"; touch /tmp/pwned; $(touch /tmp/pwned2) `id` \n ünïcødé";
    private static readonly string[] Pwned = ["/tmp/pwned", "/tmp/pwned2"];

    private UserSessionBus _bus = null!;
    private SshServer _ssh = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _bus = await UserSessionBus.StartAsync();
        _ssh = await SshServer.StartAsync(_bus.User);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        if (_ssh is not null)
        {
            await _ssh.DisposeAsync();
        }
        if (_bus is not null)
        {
            await _bus.DisposeAsync();
        }
    }

    [SetUp]
    public void Clear()
    {
        _bus.Recorder.Clear();
        foreach (var file in Pwned)
        {
            File.Delete(file);
        }
    }

    private RemoteDesktopTarget Target(string destination) =>
        new(NullLogger.Instance, new ProcessRunner(NullLogger.Instance), destination) { SshOptions = ["-F", _ssh.ClientConfig] };

    [Test]
    public async Task A_failure_arrives_on_the_remote_users_bus_with_every_character_verbatim_and_nothing_executed()
    {
        var notification = new Core.Notifications.Notification("backup " + Injection + " failed", Injection, NotificationUrgency.Critical);

        var results = await Target(TestUser.Name + "@127.0.0.1").SendAsync(notification, CancellationToken.None);

        Assert.That(results.Single().Delivered, Is.True, results.Single().ToString());
        var call = await _bus.Recorder.NextAsync(TimeSpan.FromSeconds(5));
        Assert.That(call, Is.Not.Null);
        Assert.That(call!.AppName, Is.EqualTo("snapshotbackup"));
        Assert.That(call.Summary, Is.EqualTo("backup " + Injection + " failed"));
        Assert.That(call.Body, Is.EqualTo(Injection));
        Assert.That(call.Urgency, Is.EqualTo((byte)2));
        await Task.Delay(500);
        Assert.That(Pwned.Where(File.Exists), Is.Empty, "text must never reach a shell");
    }

    [Test]
    public async Task A_success_arrives_with_normal_urgency_and_the_forward_is_gone_afterwards()
    {
        var results = await Target(TestUser.Name + "@127.0.0.1").SendAsync(Core.Notifications.Notification.Succeeded("data1", "2024-05-06T07:08:09+02:00"), CancellationToken.None);

        Assert.That(results.Single().Delivered, Is.True, results.Single().ToString());
        var call = await _bus.Recorder.NextAsync(TimeSpan.FromSeconds(5));
        Assert.That(call!.Summary, Does.Contain("data1"));
        Assert.That(call.Urgency, Is.EqualTo((byte)1));
        Assert.That(Directory.GetDirectories(Path.GetTempPath(), "sb-notify-*").Where(d => File.Exists(Path.Combine(d, "bus"))), Is.Empty);
    }

    [Test]
    public async Task An_unreachable_host_is_not_delivered_within_bounded_time()
    {
        var refused = new RemoteDesktopTarget(NullLogger.Instance, new ProcessRunner(NullLogger.Instance), TestUser.Name + "@127.0.0.1")
        {
            SshOptions = ["-F", "/dev/null", "-p", "1"],
        };
        var blackhole = new RemoteDesktopTarget(NullLogger.Instance, new ProcessRunner(NullLogger.Instance), TestUser.Name + "@192.0.2.1")
        {
            SshOptions = ["-F", "/dev/null"],
        };

        // Accepts connections and never answers: only the timeouts end this one.
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        var silentPort = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var mute = new RemoteDesktopTarget(NullLogger.Instance, new ProcessRunner(NullLogger.Instance), TestUser.Name + "@127.0.0.1")
        {
            SshOptions = ["-F", "/dev/null", "-p", silentPort],
        };

        var watch = Stopwatch.StartNew();
        var results = await Task.WhenAll(
            refused.SendAsync(Core.Notifications.Notification.Test("data1"), CancellationToken.None),
            blackhole.SendAsync(Core.Notifications.Notification.Test("data1"), CancellationToken.None),
            mute.SendAsync(Core.Notifications.Notification.Test("data1"), CancellationToken.None));

        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(15)));
        Assert.That(results.SelectMany(r => r).Select(r => r.Delivered), Is.EqualTo(new[] { false, false, false }));
        Assert.That(_bus.Recorder.Calls, Is.Empty);
    }

    [Test]
    public async Task A_host_without_that_users_session_bus_is_not_delivered()
    {
        await using var stopped = new StoppedBus(_bus.SocketPath);
        var results = await Target(TestUser.Name + "@127.0.0.1").SendAsync(Core.Notifications.Notification.Test("data1"), CancellationToken.None);

        Assert.That(results.Single().Delivered, Is.False);
        Assert.That(results.Single().Error, Is.Not.Empty);
    }

    [Test]
    public async Task A_user_without_a_session_bus_is_told_so_with_the_uid_and_the_host()
    {
        await using var stopped = new StoppedBus(_bus.SocketPath);
        var results = await Target(TestUser.Name + "@127.0.0.1").SendAsync(Core.Notifications.Notification.Test("data1"), CancellationToken.None);

        Assert.That(results.Single().Delivered, Is.False);
        Assert.That(results.Single().Error, Does.StartWith($"no desktop session bus for uid {_bus.User.Uid} on 127.0.0.1"), results.Single().ToString());
        Assert.That(results.Single().Error, Does.Not.Contain("reset by peer"));
    }

    [Test]
    public async Task A_user_without_a_runtime_directory_at_all_is_told_so_too()
    {
        // As for root@localhost on a server: not even /run/user/UID exists.
        var away = _bus.RuntimeDirectory + ".away";
        Directory.Move(_bus.RuntimeDirectory, away);
        try
        {
            var results = await Target(TestUser.Name + "@127.0.0.1").SendAsync(Core.Notifications.Notification.Test("data1"), CancellationToken.None);

            Assert.That(results.Single().Delivered, Is.False);
            Assert.That(results.Single().Error, Does.StartWith($"no desktop session bus for uid {_bus.User.Uid} on 127.0.0.1"), results.Single().ToString());
        }
        finally
        {
            Directory.Move(away, _bus.RuntimeDirectory);
        }
    }

    /// <summary>Moves the bus socket away for the test and back afterwards (as if nobody were logged in).</summary>
    private sealed class StoppedBus : IAsyncDisposable
    {
        private readonly string _socket;

        public StoppedBus(string socket)
        {
            _socket = socket;
            File.Move(socket, socket + ".away");
        }

        public ValueTask DisposeAsync()
        {
            File.Move(_socket + ".away", _socket);
            return ValueTask.CompletedTask;
        }
    }
}
