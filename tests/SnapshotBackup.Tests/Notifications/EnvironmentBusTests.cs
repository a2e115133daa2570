using SnapshotBackup.Tests.Daemon;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.Notifications;

/// <summary>
/// <c>DBUS_SESSION_BUS_ADDRESS</c> as the original's page tells cron users to set it: the real <c>snapshotbackup</c>,
/// run as root, with the test user's real session bus in that variable and a logind that knows no graphical session.
/// </summary>
public class EnvironmentBusTests : SessionBusTest
{
    private const string Variable = "DBUS_SESSION_BUS_ADDRESS";

    private string _directory = null!;
    private DBusDaemonFixture _system = null!;
    private FakeLogindSessions _logind = null!;

    [SetUp]
    public async Task Create()
    {
        _directory = Directory.CreateTempSubdirectory("sb-envbus-").FullName;
        _system = await DBusDaemonFixture.StartAsync();
        _logind = await FakeLogindSessions.StartAsync(_system.Address, new FakeSession("2", 0, "root", "tty", Active: true, State: "active"));
    }

    [TearDown]
    public async Task Remove()
    {
        await _logind.DisposeAsync();
        await _system.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private string Config(string extra = "")
    {
        var path = Path.Combine(_directory, "config.ini");
        File.WriteAllText(path, $"""
            [data1]
            source = {Path.Combine(_directory, "missing-source")}
            backups = {Path.Combine(_directory, "missing-backups")}
            {extra}
            """);
        return path;
    }

    private string StateFile()
    {
        var path = Path.Combine(_directory, "state.json");
        File.WriteAllText(path, """{ "pid": 1, "sections": { "data1": {} } }""");
        return path;
    }

    private Shell.Result Run(string? sessionBus, params string[] args)
    {
        var environment = new Dictionary<string, string> { ["DBUS_SYSTEM_BUS_ADDRESS"] = _system.Address };
        environment[Variable] = sessionBus ?? string.Empty;
        return CliProcess.Run(environment, args);
    }

    private string Target => $"{TestUser.Name} ({Variable}={Bus.Address})";

    [Test]
    public async Task Notify_test_lists_the_bus_and_delivers_there_as_its_owner()
    {
        var without = Run(null, "-c", Config(), "notify-test", "data1");
        Assert.That(without.Output, Does.Contain("no notification targets"), without.ToString());

        var result = Run(Bus.Address, "-c", Config(), "notify-test", "data1");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Output.Trim(), Is.EqualTo(Target + ": delivered"));
        var call = await Bus.Recorder.NextAsync(TimeSpan.FromSeconds(5));
        Assert.That(call?.Summary, Does.Contain("data1"));
        Assert.That(call!.AppName, Is.EqualTo("snapshotbackup"));
    }

    [Test]
    public async Task The_originals_cron_line_with_s_notifies_a_failed_backup_on_that_bus_and_says_nothing()
    {
        using var journal = DatagramReceiver.BindPath("journal.sock");
        var environment = new Dictionary<string, string>
        {
            ["DBUS_SYSTEM_BUS_ADDRESS"] = _system.Address,
            [Variable] = Bus.Address,
            ["SNAPSHOTBACKUP_JOURNAL_SOCKET"] = journal.Address,
        };

        var result = CliProcess.Run(environment, "-c", Config(), "--state-file", StateFile(), "backup", "data1", "-s");

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Error + result.Output, Is.Empty, result.ToString());
        var call = await Bus.Recorder.NextAsync(TimeSpan.FromSeconds(5));
        Assert.That(call, Is.Not.Null, result.ToString());
        Assert.That(call!.Summary, Does.Contain("data1").And.Contain("failed"));
        Assert.That(call.Body, Does.Contain("missing-"));
        Assert.That(call.Urgency, Is.EqualTo((byte)2));
    }

    [Test]
    public async Task The_bus_of_notify_user_named_again_by_the_variable_gets_one_notification()
    {
        var result = Run(Bus.Address, "-c", Config("notify_user = " + TestUser.Name), "notify-test", "data1");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Output.Trim(), Is.EqualTo(TestUser.Name + ": delivered"));
        Assert.That(await Bus.Recorder.NextAsync(TimeSpan.FromSeconds(5)), Is.Not.Null);
        Assert.That(await Bus.Recorder.NextAsync(TimeSpan.FromSeconds(2)), Is.Null, "sent once");
    }

    [TestCase("tcp:host=127.0.0.1,port=1", "cannot be used")]
    [TestCase("unix:abstract=/tmp/dbus-sbtest", "cannot be used")]
    [TestCase("garbage", "cannot be used")]
    [TestCase("unix:path=/nonexistent/bus", "no session bus at /nonexistent/bus")]
    public void An_unusable_address_is_one_warning_in_a_backup_and_a_failed_target_in_notify_test(string address, string reason)
    {
        var test = Run(address, "-c", Config(), "notify-test", "data1");
        Assert.That(test.ExitCode, Is.EqualTo(1), test.ToString());
        Assert.That(test.Output.Trim(), Does.StartWith($"{Variable}={address}: not delivered: {reason}"));

        var plain = Run(null, "-c", Config(), "--state-file", StateFile(), "backup", "data1");
        var backup = Run(address, "-c", Config(), "--state-file", StateFile(), "backup", "data1");

        Assert.That(backup.ExitCode, Is.EqualTo(plain.ExitCode), backup.ToString());
        var warnings = backup.Error.Split('\n').Where(l => l.StartsWith("warning:", StringComparison.Ordinal)).ToList();
        Assert.That(warnings, Has.Count.EqualTo(1), backup.ToString());
        Assert.That(warnings[0], Does.Contain($"could not notify {Variable}={address}").And.Contain(reason));
        Assert.That(backup.Error.Replace(warnings[0], string.Empty, StringComparison.Ordinal).Trim(), Is.EqualTo(plain.Error.Trim()), "the rest as without the variable");
        Assert.That(Bus.Recorder.Calls, Is.Empty);
    }
}
