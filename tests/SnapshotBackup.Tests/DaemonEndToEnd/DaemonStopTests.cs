using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.DaemonEndToEnd;

public class DaemonStopTests : DaemonTest
{
    [Test]
    public void Sigterm_during_a_long_rsync_stops_within_15_seconds_without_a_snapshot_and_keeps_sync()
    {
        // Sparse, so it costs no space, but rsync reads every byte: at several hundred MB/s that is minutes.
        var big = Path.Combine(Source, "big");
        Shell.Check("truncate", "-s", "200G", big);
        WriteConfig(Section("data1", Source, Backups, "hourly"));
        var sync = Path.Combine(Backups, ".sync");

        using (var daemon = StartDaemon())
        {
            daemon.WaitForNotify(n => n == "READY=1", ReadyWait);
            daemon.WaitForLog(l => l.Contains("backup data1 started (catch-up)", StringComparison.Ordinal), LongWait);
            Assert.That(Poll.Until(() => RsyncProcesses(sync).Count > 0, LongWait), Is.True, "rsync never ran\n" + daemon.Describe());
            Thread.Sleep(1000);
            Assert.That(RsyncProcesses(sync), Is.Not.Empty, "rsync is still busy\n" + daemon.Describe());

            var stopping = daemon.Notifications.Count;
            daemon.Signal(DaemonProcess.SigTerm);
            var exit = daemon.WaitForExit(TimeSpan.FromSeconds(15));

            Assert.That(exit, Is.EqualTo(0), daemon.Describe());
            Assert.That(daemon.Notifications.Skip(stopping), Does.Contain("STOPPING=1"), daemon.Describe());
            Assert.That(Snapshots(Backups), Is.Empty, daemon.Describe());
            Assert.That(Directory.Exists(sync), Is.True);
            Assert.That(Poll.Until(() => RsyncProcesses(sync).Count == 0, TimeSpan.FromSeconds(3)), Is.True,
                $"rsync left running: {string.Join(", ", RsyncProcesses(sync))}");
            Assert.That(daemon.Lines, Has.Some.Contains("backup data1 interrupted"), daemon.Describe());
            Assert.That(SectionOf("data1")?.LastOutcome, Is.EqualTo("interrupted"));
        }

        File.Delete(big);
        using var again = StartDaemon();
        again.WaitForNotify(n => n == "READY=1", ReadyWait);
        Assert.That(Poll.Until(() => Snapshots(Backups).Count == 1, LongWait), Is.True, again.Describe());
        Assert.That(File.ReadAllText(Path.Combine(Backups, Snapshots(Backups)[0], "a.txt")), Is.EqualTo("one"));
        Assert.That(Poll.Until(() => SectionOf("data1")?.LastOutcome == "ok", ReadyWait), Is.True, File.ReadAllText(StatePath));
    }

    [Test]
    public void Sigterm_mid_backup_with_a_second_run_waiting_at_the_gate_logs_no_error_and_records_the_run_as_interrupted()
    {
        var big = Path.Combine(Source, "big");
        Shell.Check("truncate", "-s", "200G", big);
        var waiting = Path.Combine(Loop.Mount, "backups", "data2");
        Directory.CreateDirectory(waiting);
        const string never = "0 0 0 1 1 ? 2099"; // only the catch-ups at start run; both sections share one filesystem
        WriteConfig(Section("data1", Source, Backups, never), Section("data2", Source, waiting, never));

        using var daemon = StartDaemon();
        daemon.WaitForNotify(n => n == "READY=1", ReadyWait);
        string? running = null;
        Assert.That(Poll.Until(() => (running = new[] { "data1", "data2" }.FirstOrDefault(n => SectionOf(n)?.LastOutcome == "running")) is not null, LongWait),
            Is.True, "no backup started\n" + daemon.Describe());
        var other = running == "data1" ? "data2" : "data1";
        var sync = Path.Combine(running == "data1" ? Backups : waiting, ".sync");
        Assert.That(Poll.Until(() => RsyncProcesses(sync).Count > 0, LongWait), Is.True, "rsync never ran\n" + daemon.Describe());
        Thread.Sleep(1000);
        Assert.That(SectionOf(other)?.LastOutcome, Is.Null, "the second run waits at the gate\n" + daemon.Describe());

        daemon.Signal(DaemonProcess.SigTerm);
        var exit = daemon.WaitForExit(TimeSpan.FromSeconds(15));

        Assert.That(exit, Is.EqualTo(0), daemon.Describe());
        Assert.That(ErrorLines(daemon), Is.Empty, daemon.Describe());
        Assert.That(daemon.Lines[^1], Does.Contain(" INF ").And.Contain("SIGTERM"), "the last line says the daemon stopped, and why\n" + daemon.Describe());
        Assert.That(SectionOf(running!)?.LastOutcome, Is.EqualTo("interrupted"), File.ReadAllText(StatePath));
        Assert.That(SectionOf(other)?.LastOutcome, Is.Null, File.ReadAllText(StatePath));
        Assert.That(Snapshots(Backups).Concat(Snapshots(waiting)), Is.Empty);
        Assert.That(RsyncProcesses(sync), Is.Empty);
    }
}
