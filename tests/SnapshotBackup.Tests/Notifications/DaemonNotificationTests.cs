using SnapshotBackup.Tests.DaemonEndToEnd;

namespace SnapshotBackup.Tests.Notifications;

/// <summary>The daemon (as root) notifies scheduled runs on the desktop user's real session bus, as the CLI does.</summary>
[Category("Notifications")]
[NonParallelizable]
public class DaemonNotificationTests : DaemonTest
{
    [Test]
    public async Task Scheduled_runs_notify_success_with_normal_and_a_skipped_volume_with_critical_urgency()
    {
        await using var bus = await UserSessionBus.StartAsync();
        var missing = Path.Combine(Loop.Root, "not-mounted", "data2");
        WriteConfig(
            Section("data1", Source, Backups, "0 0 0 1 1 ? 2099", "notify_user = " + TestUser.Name),
            Section("data2", Source, missing, "0 0 0 1 1 ? 2099", "notify_user = " + TestUser.Name));
        using var daemon = StartDaemon();
        daemon.WaitForNotify(n => n == "READY=1", ReadyWait);

        // Both sections have no backup yet, so each is caught up once at start.
        var calls = new List<RecordedNotification>();
        for (var i = 0; i < 2; i++)
        {
            var call = await bus.Recorder.NextAsync(LongWait);
            Assert.That(call, Is.Not.Null, daemon.Describe());
            calls.Add(call!);
        }
        var ok = calls.Single(c => c.Summary.Contains("data1", StringComparison.Ordinal));
        var failed = calls.Single(c => c.Summary.Contains("data2", StringComparison.Ordinal));
        Assert.That(ok.AppName, Is.EqualTo("snapshotbackup"));
        Assert.That(ok.Urgency, Is.EqualTo(1));
        Assert.That(failed.Urgency, Is.EqualTo(2));
        Assert.That(failed.Body, Does.Contain(missing), "the reason names what failed");
        Assert.That(await bus.Recorder.NextAsync(TimeSpan.FromSeconds(2)), Is.Null, "one notification per run");
    }

    [Test]
    public async Task With_DBUS_SESSION_BUS_ADDRESS_in_its_environment_the_daemon_notifies_that_bus()
    {
        await using var bus = await UserSessionBus.StartAsync();
        WriteConfig(Section("data1", Source, Backups, "0 0 0 1 1 ? 2099"));
        using var daemon = StartDaemon(new Dictionary<string, string>
        {
            ["DBUS_SESSION_BUS_ADDRESS"] = bus.Address,
            ["DBUS_SYSTEM_BUS_ADDRESS"] = "unix:path=/nonexistent/system_bus_socket", // no logind: the variable is the only target
        });
        daemon.WaitForNotify(n => n == "READY=1", ReadyWait);

        var call = await bus.Recorder.NextAsync(LongWait);

        Assert.That(call, Is.Not.Null, daemon.Describe());
        Assert.That(call!.Summary, Does.Contain("data1").And.Contain("finished"));
        Assert.That(call.Urgency, Is.EqualTo(1));
    }
}
