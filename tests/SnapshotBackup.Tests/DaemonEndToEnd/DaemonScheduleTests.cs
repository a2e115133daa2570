using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.DaemonEndToEnd;

public class DaemonScheduleTests : DaemonTest
{
    [Test]
    public void Ready_is_sent_only_after_the_jobs_are_scheduled()
    {
        WriteConfig(Section("data1", Source, Backups, "*/3 * * * * ?"));
        using var daemon = StartDaemon();

        var ready = daemon.WaitForNotify(n => n == "READY=1", ReadyWait);
        var elapsed = daemon.Elapsed;
        TestContext.Out.WriteLine($"READY=1 after {elapsed.TotalSeconds:0.00} s");

        var notifications = daemon.Notifications;
        var idle = notifications.ToList().FindIndex(n => n.StartsWith("STATUS=idle; next: data1 at ", StringComparison.Ordinal));
        Assert.That(idle, Is.GreaterThanOrEqualTo(0).And.LessThan(ready), daemon.Describe());
        Assert.That(notifications.Take(ready).Count(n => n == "READY=1"), Is.Zero, "READY=1 only once");
        var state = SectionOf("data1");
        var text = File.Exists(StatePath) ? File.ReadAllText(StatePath) : "no state file";
        Assert.That(state?.NextRun, Is.Not.Null.And.GreaterThan(DateTimeOffset.Now.AddSeconds(-10)), text);
        Assert.That(state?.Schedule ?? "(none)", Does.Contain("*/3 * * * * ?"), text);
    }

    [Test]
    public void A_seconds_schedule_takes_read_only_snapshots_of_the_source_again_and_again()
    {
        WriteConfig(Section("data1", Source, Backups, "*/2 * * * * ?"));
        using var daemon = StartDaemon();
        daemon.WaitForNotify(n => n == "READY=1", ReadyWait);

        Assert.That(Poll.Until(() => Snapshots(Backups).Count >= 3, TimeSpan.FromSeconds(20)), Is.True,
            $"snapshots: {string.Join(", ", Snapshots(Backups))}\n{daemon.Describe()}");
        foreach (var name in Snapshots(Backups))
        {
            AssertReadOnlySnapshot(Path.Combine(Backups, name));
            Assert.That(File.ReadAllText(Path.Combine(Backups, name, "a.txt")), Is.EqualTo("one"), name);
        }

        // Backups run every 2 s, each well under a second: catch the state between two of them.
        Assert.That(Poll.Until(() => SectionOf("data1") is { LastOutcome: "ok", LastSuccess: not null }, TimeSpan.FromSeconds(10)), Is.True,
            File.ReadAllText(StatePath));
        Assert.That(daemon.HasExited, Is.False);
    }

    [Test]
    public void A_run_with_autodecay_and_autoprune_and_nothing_to_delete_logs_only_its_backup()
    {
        WriteConfig(Section("data1", Source, Backups, "*/2 * * * * ?", "autoprune = true\nautodecay = true"));
        using var daemon = StartDaemon();
        daemon.WaitForNotify(n => n == "READY=1", ReadyWait);
        Assert.That(Poll.Until(() => Snapshots(Backups).Count >= 2, LongWait), Is.True, daemon.Describe());
        daemon.Signal(15);
        daemon.WaitForExit(TimeSpan.FromSeconds(15));

        // Each run was one "started" and one "succeeded" line; decay and prune with nothing to delete say nothing.
        var info = daemon.Lines.Where(l => l.Contains(" INF ", StringComparison.Ordinal)).ToList();
        Assert.That(info.Where(l => l.Contains("decay", StringComparison.Ordinal) || l.Contains("prune", StringComparison.Ordinal)
                                    || l.Contains("nothing to delete", StringComparison.Ordinal)), Is.Empty, daemon.Describe());
    }

    [Test]
    public void Status_shows_the_running_daemon_and_each_sections_last_backup()
    {
        WriteConfig(Section("data1", Source, Backups, "*/2 * * * * ?"));
        using var daemon = StartDaemon();
        daemon.WaitForNotify(n => n == "READY=1", ReadyWait);
        Assert.That(Poll.Until(() => SectionOf("data1") is { LastOutcome: "ok" }, LongWait), Is.True, daemon.Describe());

        var text = Fixtures.CliProcess.Run("status", "--state-file", StatePath);
        Assert.That(text.ExitCode, Is.Zero, text.ToString());
        Assert.That(text.Output, Does.Contain($"snapshotbackupd is running (pid {daemon.Pid})").And.Contain("data1: ").And.Contain("last success:"));

        var json = Fixtures.CliProcess.Run("status", "data1", "--json", "--state-file", StatePath);
        using var doc = System.Text.Json.JsonDocument.Parse(json.Output);
        Assert.That(doc.RootElement.GetProperty("daemon_running").GetBoolean(), Is.True);
        Assert.That(doc.RootElement.GetProperty("sections").GetProperty("data1").GetProperty("last_snapshot").GetString(),
            Does.StartWith(DateTimeOffset.Now.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)));

        daemon.Signal(15);
        daemon.WaitForExit(TimeSpan.FromSeconds(15));
        var after = Fixtures.CliProcess.Run("status", "--state-file", StatePath);
        Assert.That(after.Output, Does.Contain("snapshotbackupd is not running"));
        Assert.That(Fixtures.CliProcess.Run("status", "nope", "--state-file", StatePath).ExitCode, Is.EqualTo(2));
    }
}
