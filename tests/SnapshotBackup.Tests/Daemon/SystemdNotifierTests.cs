using System.Globalization;
using Microsoft.Extensions.Hosting.Systemd;
using SnapshotBackup.Daemon.Systemd;

namespace SnapshotBackup.Tests.Daemon;

/// <summary>The daemon's sd_notify path: the library's notifier, our extra <see cref="ServiceState"/> values, no exceptions.</summary>
public class SystemdNotifierTests
{
    [Test]
    public void Notify_sends_the_exact_state_to_a_path_socket()
    {
        using var receiver = DatagramReceiver.BindPath();
        var notifier = SystemdNotifierFactory.For(receiver.Address);

        Assert.That(notifier.IsEnabled, Is.True);
        notifier.Notify(new ServiceState("FOO=bar"));

        Assert.That(receiver.ReceiveString(), Is.EqualTo("FOO=bar"));
    }

    [Test]
    public void Notify_sends_to_an_abstract_namespace_socket_when_the_address_starts_with_at()
    {
        using var receiver = DatagramReceiver.BindAbstract();
        var notifier = SystemdNotifierFactory.For(receiver.Address);

        notifier.Notify(ServiceState.Ready);

        Assert.That(receiver.ReceiveString(), Is.EqualTo("READY=1"));
    }

    [Test]
    public void The_states_are_the_sd_notify_assignments()
    {
        using var receiver = DatagramReceiver.BindPath();
        var notifier = SystemdNotifierFactory.For(receiver.Address);

        notifier.Notify(ServiceState.Ready);
        notifier.Notify(ServiceState.Stopping);
        notifier.Notify(SystemdStates.Status("backing up data1\nstep 2"));
        notifier.Notify(SystemdStates.Watchdog);

        Assert.Multiple(() =>
        {
            Assert.That(receiver.ReceiveString(), Is.EqualTo("READY=1"));
            Assert.That(receiver.ReceiveString(), Is.EqualTo("STOPPING=1"));
            Assert.That(receiver.ReceiveString(), Is.EqualTo("STATUS=backing up data1 step 2"));
            Assert.That(receiver.ReceiveString(), Is.EqualTo("WATCHDOG=1"));
        });
    }

    [Test]
    public void Reloading_includes_the_current_CLOCK_MONOTONIC_time_in_microseconds()
    {
        using var receiver = DatagramReceiver.BindPath();
        var notifier = SystemdNotifierFactory.For(receiver.Address);

        var before = MonotonicClock.NowMicroseconds();
        notifier.Notify(SystemdStates.Reloading());
        var after = MonotonicClock.NowMicroseconds();

        var lines = receiver.ReceiveString().Split('\n');
        Assert.That(lines, Has.Length.EqualTo(2));
        Assert.That(lines[0], Is.EqualTo("RELOADING=1"));
        Assert.That(lines[1], Does.StartWith("MONOTONIC_USEC="));
        var usec = long.Parse(lines[1]["MONOTONIC_USEC=".Length..], CultureInfo.InvariantCulture);
        Assert.That(usec, Is.InRange(before, after));
    }

    [Test]
    public void Monotonic_clock_agrees_with_the_kernel_uptime_clock()
    {
        // /proc/uptime is CLOCK_BOOTTIME, which is >= CLOCK_MONOTONIC; both are far from Unix time.
        var uptimeSeconds = double.Parse(File.ReadAllText("/proc/uptime").Split(' ')[0], CultureInfo.InvariantCulture);
        var monotonicSeconds = MonotonicClock.NowMicroseconds() / 1e6;

        Assert.That(monotonicSeconds, Is.GreaterThan(0).And.LessThanOrEqualTo(uptimeSeconds + 1));
    }

    [Test]
    public void Without_NOTIFY_SOCKET_the_notifier_is_disabled_and_notify_does_nothing()
    {
        var notifier = SystemdNotifierFactory.For(null);

        Assert.That(notifier.IsEnabled, Is.False);
        Assert.DoesNotThrow(() => notifier.Notify(ServiceState.Ready));
    }

    [Test]
    public void Notify_to_a_missing_socket_does_not_throw()
    {
        var path = Path.Combine(Path.GetTempPath(), "sbd-missing-" + Guid.NewGuid().ToString("N"));
        var notifier = SystemdNotifierFactory.For(path);

        Assert.That(notifier.IsEnabled, Is.True);
        Assert.DoesNotThrow(() => notifier.Notify(ServiceState.Ready));
        Assert.DoesNotThrow(() => notifier.Notify(ServiceState.Ready));
    }

    [Test]
    public void Notify_to_a_socket_closed_meanwhile_does_not_throw()
    {
        var receiver = DatagramReceiver.BindPath();
        var notifier = SystemdNotifierFactory.For(receiver.Address);
        receiver.Dispose();

        Assert.DoesNotThrow(() => notifier.Notify(ServiceState.Ready));
    }
}
