using System.Diagnostics;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.Notifications;

/// <summary>
/// The real <c>snapshotbackup</c> (run as root, as the daemon is): <c>notify-test</c>, and <c>backup</c> of a source
/// that cannot be reached, with <c>silent_fail_threshold</c> measured from the daemon's state (no volume to read).
/// </summary>
public class NotifyCommandTests : SessionBusTest
{
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory()
    {
        _directory = Directory.CreateTempSubdirectory("sb-notify-cli-").FullName;
    }

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    private string Config(string extra)
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

    private string StateFile(DateTimeOffset? lastSuccess)
    {
        var path = Path.Combine(_directory, "state.json");
        var section = lastSuccess is { } t ? $$"""{ "last_success": "{{t:O}}", "last_outcome": "ok" }""" : "{}";
        File.WriteAllText(path, $$"""{ "pid": 1, "sections": { "data1": {{section}} } }""");
        return path;
    }

    [Test]
    public async Task Notify_test_delivers_to_notify_user_and_exits_0()
    {
        var result = CliProcess.Run("-c", Config("notify_user = " + TestUser.Name), "notify-test", "data1");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Output, Does.Contain(TestUser.Name + ": delivered"));
        var call = await Bus.Recorder.NextAsync(TimeSpan.FromSeconds(5));
        Assert.That(call?.Summary, Does.Contain("data1"));
        Assert.That(call!.AppName, Is.EqualTo("snapshotbackup"));
    }

    [Test]
    public void Notify_test_reports_each_target_and_exits_1_when_one_is_not_delivered()
    {
        // Nothing listens on 127.0.0.1:22 here, so the remote target fails fast.
        var result = CliProcess.Run("-c", Config($"notify_user = {TestUser.Name}\nnotify_remote = {TestUser.Name}@127.0.0.1"), "notify-test", "data1");

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Output, Does.Contain(TestUser.Name + ": delivered"));
        Assert.That(result.Output, Does.Contain(TestUser.Name + "@127.0.0.1: not delivered"));
    }

    [Test]
    public void Notify_test_reports_each_targets_result_exactly_once()
    {
        // Both targets fail: an unknown local user, and a host where nothing listens on port 22.
        var result = CliProcess.Run("-c", Config($"notify_user = no-such-user-sb\nnotify_remote = {TestUser.Name}@127.0.0.1"), "notify-test", "data1");

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        var lines = (result.Output + "\n" + result.Error).Split('\n');
        Assert.That(lines.Count(l => l.Contains("no-such-user-sb", StringComparison.Ordinal)), Is.EqualTo(1), result.ToString());
        Assert.That(lines.Count(l => l.Contains(TestUser.Name + "@127.0.0.1", StringComparison.Ordinal)), Is.EqualTo(1), result.ToString());
        Assert.That(result.Output, Does.Contain("no-such-user-sb: not delivered: no such user"));
    }

    [Test]
    public async Task The_published_native_command_delivers_too()
    {
        // The NativeAOT build (packaging/publish.sh, run by the test command first) is what users and the .deb run.
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SnapshotBackup.Daemon.sln")))
        {
            dir = dir.Parent;
        }
        var native = dir is null ? null : Path.Combine(dir.FullName, "artifacts", "publish", "snapshotbackup");
        if (native is null || !File.Exists(native))
        {
            Assert.Ignore("artifacts/publish/snapshotbackup is not built (bash packaging/publish.sh)");
        }
        var result = Shell.Run(native!, ["-c", Config("notify_user = " + TestUser.Name), "notify-test", "data1"], null, TimeSpan.FromMinutes(1));

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var call = await Bus.Recorder.NextAsync(TimeSpan.FromSeconds(5));
        Assert.That(call?.Summary, Does.Contain("data1"));
        Assert.That(call!.AppName, Is.EqualTo("snapshotbackup"));
    }

    [Test]
    public async Task A_failed_backup_of_a_section_that_never_succeeded_is_notified_critical_with_the_reason()
    {
        var result = CliProcess.Run("-c", Config("notify_user = " + TestUser.Name), "--state-file", StateFile(null), "backup", "data1");

        Assert.That(result.ExitCode, Is.Not.Zero, result.ToString());
        var call = await Bus.Recorder.NextAsync(TimeSpan.FromSeconds(5));
        Assert.That(call, Is.Not.Null, result.ToString());
        Assert.That(call!.Summary, Does.Contain("data1").And.Contain("failed"));
        Assert.That(call.Body, Does.Contain("missing-"), "the reason names what failed");
        Assert.That(call.Urgency, Is.EqualTo((byte)2));
    }

    [Test]
    public void A_failure_within_silent_fail_threshold_sends_nothing_outside_it_sends()
    {
        var config = Config($"notify_user = {TestUser.Name}\nsilent_fail_threshold = 2 hours");

        var inside = CliProcess.Run("-c", config, "--state-file", StateFile(DateTimeOffset.Now.AddHours(-1)), "backup", "data1");
        Assert.That(inside.ExitCode, Is.Not.Zero, inside.ToString());
        Assert.That(Bus.Recorder.Calls, Is.Empty, "the notification would have been recorded before the command exited");

        var outside = CliProcess.Run("-c", config, "--state-file", StateFile(DateTimeOffset.Now.AddHours(-3)), "backup", "data1");
        Assert.That(outside.ExitCode, Is.EqualTo(inside.ExitCode), outside.ToString());
        Assert.That(Bus.Recorder.Calls, Has.Count.EqualTo(1));
    }

    [Test]
    public void Unreachable_targets_are_a_warning_and_leave_the_backup_result_and_time_alone()
    {
        var plain = CliProcess.Run("-c", Config(string.Empty), "--state-file", StateFile(null), "backup", "data1");

        var watch = Stopwatch.StartNew();
        var notified = CliProcess.Run("-c", Config($"notify_user = no-such-user-sb\nnotify_remote = {TestUser.Name}@192.0.2.1"),
            "--state-file", StateFile(null), "backup", "data1");

        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(15)));
        Assert.That(notified.ExitCode, Is.EqualTo(plain.ExitCode), notified.ToString());
        Assert.That(notified.Error, Does.Contain("warning: backup data1: could not notify no-such-user-sb"));
        Assert.That(notified.Error, Does.Contain($"warning: backup data1: could not notify {TestUser.Name}@192.0.2.1"));
    }
}
