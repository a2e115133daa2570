using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using SnapshotBackup.Core.Notifications;
using SnapshotBackup.Core.Processes;
using Tmds.DBus.Protocol;
using Notification = SnapshotBackup.Core.Notifications.Notification;

namespace SnapshotBackup.Tests.Notifications;

public class LocalDesktopTargetTests : SessionBusTest
{
    private static LocalDesktopTarget Target(string? user) =>
        new(NullLogger.Instance, new ProcessRunner(NullLogger.Instance), user);

    [Test]
    public async Task Root_cannot_open_the_users_session_bus_itself()
    {
        using var connection = new DBusConnection(new DBusConnectionOptions(Bus.Address) { AutoConnect = false });
        Assert.That(async () => await connection.ConnectAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5)), Throws.Exception,
            "the design rests on this: the notification must be sent with the user's credentials");
    }

    [Test]
    public async Task A_finished_backup_arrives_on_notify_users_bus_with_normal_urgency()
    {
        var results = await Target(TestUser.Name).SendAsync(Notification.Succeeded("data1", "2024-01-02T03:04:05+00:00"), CancellationToken.None);

        Assert.That(results, Has.Count.EqualTo(1));
        Assert.That(results[0].Delivered, Is.True, results[0].ToString());
        var call = await Bus.Recorder.NextAsync(TimeSpan.FromSeconds(5));
        Assert.That(call, Is.Not.Null);
        Assert.That(call!.AppName, Is.EqualTo("snapshotbackup"));
        Assert.That(call.Summary, Does.Contain("data1").And.Contain("finished"));
        Assert.That(call.Body, Does.Contain("2024-01-02T03:04:05+00:00"));
        Assert.That(call.Urgency, Is.EqualTo((byte)1));
    }

    [Test]
    public async Task A_failure_is_critical_and_its_reason_arrives_verbatim()
    {
        var reason = "source /data is not reachable: '\"; touch /tmp/pwned; $(touch /tmp/pwned2) `id` \n ünïcødé";
        var results = await Target(TestUser.Name).SendAsync(Notification.Failed("data2", reason), CancellationToken.None);

        Assert.That(results.Single().Delivered, Is.True, results.Single().ToString());
        var call = await Bus.Recorder.NextAsync(TimeSpan.FromSeconds(5));
        Assert.That(call!.Summary, Does.Contain("data2").And.Contain("failed"));
        Assert.That(call.Body, Is.EqualTo(reason));
        Assert.That(call.Urgency, Is.EqualTo((byte)2));
    }

    [Test]
    public async Task The_child_also_runs_as_dotnet_snapshotbackup_dll_when_there_is_no_apphost()
    {
        var located = NotifyChild.Locate();
        Assert.That(File.Exists(located.FileName), Is.True, located.ToString());
        var target = new LocalDesktopTarget(NullLogger.Instance, new ProcessRunner(NullLogger.Instance), TestUser.Name)
        {
            ChildCommand = new ExternalCommand("dotnet", [Fixtures.CliProcess.Dll, NotifyChild.CommandName]),
        };

        var results = await target.SendAsync(Notification.Test("data1"), CancellationToken.None);

        Assert.That(results.Single().Delivered, Is.True, results.Single().ToString());
        Assert.That((await Bus.Recorder.NextAsync(TimeSpan.FromSeconds(5)))?.Summary, Does.Contain("data1"));
    }

    [Test]
    public async Task Without_notify_user_every_active_graphical_session_of_logind_is_notified()
    {
        await using var system = await Daemon.DBusDaemonFixture.StartAsync();
        await using var logind = await FakeLogindSessions.StartAsync(system.Address,
            new FakeSession("1", Bus.User.Uid, TestUser.Name, "x11", Active: true, State: "active"),
            new FakeSession("2", 0, "root", "tty", Active: true, State: "active"),
            new FakeSession("3", 65534, "nobody", "wayland", Active: false, State: "closing"));
        var target = new LocalDesktopTarget(NullLogger.Instance, new ProcessRunner(NullLogger.Instance), null) { SystemBusAddress = system.Address };

        var results = await target.SendAsync(Notification.Test("data1"), CancellationToken.None);

        Assert.That(results.Select(r => r.ToString()), Is.EqualTo(new[] { TestUser.Name + ": delivered" }));
        Assert.That((await Bus.Recorder.NextAsync(TimeSpan.FromSeconds(5)))?.Summary, Does.Contain("data1"));
    }

    [Test]
    public async Task Without_notify_user_and_without_graphical_sessions_nothing_is_sent()
    {
        await using var system = await Daemon.DBusDaemonFixture.StartAsync();
        await using var logind = await FakeLogindSessions.StartAsync(system.Address,
            new FakeSession("2", 0, "root", "tty", Active: true, State: "active"));
        var target = new LocalDesktopTarget(NullLogger.Instance, new ProcessRunner(NullLogger.Instance), null) { SystemBusAddress = system.Address };

        var results = await target.SendAsync(Notification.Test("data1"), CancellationToken.None);

        Assert.That(results, Is.Empty);
        Assert.That(Bus.Recorder.Calls, Is.Empty);
    }

    [Test]
    public async Task Without_logind_nothing_is_sent_and_nothing_throws()
    {
        var target = new LocalDesktopTarget(NullLogger.Instance, new ProcessRunner(NullLogger.Instance), null)
        {
            SystemBusAddress = "unix:path=/nonexistent/system_bus_socket",
        };
        Assert.That(await target.SendAsync(Notification.Test("data1"), CancellationToken.None), Is.Empty);
    }

    [Test]
    public async Task A_user_without_a_session_bus_or_an_unknown_user_is_reported_not_delivered_quickly()
    {
        var watch = Stopwatch.StartNew();
        var noBus = await Target("nobody").SendAsync(Notification.Test("data1"), CancellationToken.None);
        var unknown = await Target("no-such-user-sb").SendAsync(Notification.Test("data1"), CancellationToken.None);

        Assert.That(noBus.Single().Delivered, Is.False);
        Assert.That(noBus.Single().Error, Does.Contain("no session bus"));
        Assert.That(unknown.Single().Error, Is.EqualTo("no such user"));
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(15)));
    }
}
