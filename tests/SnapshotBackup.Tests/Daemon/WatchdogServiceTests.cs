using SnapshotBackup.Daemon.Systemd;

namespace SnapshotBackup.Tests.Daemon;

public class WatchdogServiceTests
{
    private static Func<string, string?> Env(params (string Key, string Value)[] values)
    {
        var map = values.ToDictionary(v => v.Key, v => v.Value);
        return key => map.GetValueOrDefault(key);
    }

    [Test]
    public async Task Watchdog_pings_arrive_every_half_WATCHDOG_USEC()
    {
        using var receiver = DatagramReceiver.BindPath();
        var env = Env(("NOTIFY_SOCKET", receiver.Address), ("WATCHDOG_USEC", "200000"));
        var notifier = SystemdNotifierFactory.For(env("NOTIFY_SOCKET"));
        using var service = new WatchdogService(notifier, env, Environment.ProcessId);
        Assert.That(service.Interval, Is.EqualTo(TimeSpan.FromMilliseconds(100)));

        await service.StartAsync(CancellationToken.None);
        var messages = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            messages.Add(receiver.ReceiveString());
        }

        await service.StopAsync(CancellationToken.None);

        Assert.That(messages, Is.All.EqualTo("WATCHDOG=1"));
    }

    [Test]
    public async Task Watchdog_sends_nothing_when_WATCHDOG_USEC_is_unset()
    {
        using var receiver = DatagramReceiver.BindPath();
        var env = Env(("NOTIFY_SOCKET", receiver.Address));
        var notifier = SystemdNotifierFactory.For(env("NOTIFY_SOCKET"));
        using var service = new WatchdogService(notifier, env, Environment.ProcessId);

        await service.StartAsync(CancellationToken.None);
        var received = receiver.HasPending(300_000);
        await service.StopAsync(CancellationToken.None);

        Assert.That(service.Interval, Is.Null);
        Assert.That(received, Is.False);
    }

    [Test]
    public void Watchdog_interval_honours_WATCHDOG_PID()
    {
        Assert.Multiple(() =>
        {
            Assert.That(WatchdogService.ReadInterval(Env(("WATCHDOG_USEC", "10000000"), ("WATCHDOG_PID", "42")), 42), Is.EqualTo(TimeSpan.FromSeconds(5)));
            Assert.That(WatchdogService.ReadInterval(Env(("WATCHDOG_USEC", "10000000"), ("WATCHDOG_PID", "43")), 42), Is.Null);
            Assert.That(WatchdogService.ReadInterval(Env(("WATCHDOG_USEC", "10000000")), 42), Is.EqualTo(TimeSpan.FromSeconds(5)));
            Assert.That(WatchdogService.ReadInterval(Env(("WATCHDOG_USEC", "nonsense")), 42), Is.Null);
            Assert.That(WatchdogService.ReadInterval(Env(("WATCHDOG_USEC", "0")), 42), Is.Null);
            Assert.That(WatchdogService.ReadInterval(Env(), 42), Is.Null);
        });
    }

    [Test]
    public void Watchdog_is_off_when_the_notifier_is_disabled()
    {
        var notifier = SystemdNotifierFactory.For(null);
        using var service = new WatchdogService(notifier, Env(("WATCHDOG_USEC", "200000")), Environment.ProcessId);

        Assert.That(service.Interval, Is.Null);
    }
}
