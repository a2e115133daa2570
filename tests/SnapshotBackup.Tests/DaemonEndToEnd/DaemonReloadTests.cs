using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.DaemonEndToEnd;

public class DaemonReloadTests : DaemonTest
{
    [Test]
    public void Sighup_adds_a_new_section_and_backs_it_up()
    {
        WriteConfig(Section("data1", Source, Backups, "hourly"));
        using var daemon = StartDaemon();
        var ready = daemon.WaitForNotify(n => n == "READY=1", ReadyWait);
        Assert.That(Poll.Until(() => SectionOf("data1") is { LastOutcome: "ok" }, LongWait), Is.True, daemon.Describe());

        var source2 = Path.Combine(Loop.Root, "source2");
        Directory.CreateDirectory(source2);
        File.WriteAllText(Path.Combine(source2, "b.txt"), "two");
        var backups2 = Path.Combine(Loop.Mount, "backups", "data2");
        Directory.CreateDirectory(backups2);
        File.AppendAllText(ConfigPath, Section("data2", source2, backups2, "*/2 * * * * ?"));
        Assert.That(Snapshots(backups2), Is.Empty);
        daemon.Signal(DaemonProcess.SigHup);

        var reloading = daemon.WaitForNotify(n => n.StartsWith("RELOADING=1\n", StringComparison.Ordinal) && n.Contains("MONOTONIC_USEC=", StringComparison.Ordinal), ReadyWait, ready + 1);
        daemon.WaitForNotify(n => n == "READY=1", ReadyWait, reloading + 1);
        Assert.That(Poll.Until(() => SectionOf("data2") is not null, ReadyWait), Is.True, "the reload put data2 into the state\n" + daemon.Describe());

        // The catch-up run and at least one scheduled one.
        Assert.That(Poll.Until(() => Snapshots(backups2).Count >= 2, LongWait), Is.True, daemon.Describe());
        foreach (var name in Snapshots(backups2))
        {
            AssertReadOnlySnapshot(Path.Combine(backups2, name));
            Assert.That(File.ReadAllText(Path.Combine(backups2, name, "b.txt")), Is.EqualTo("two"));
        }
        Assert.That(Snapshots(Backups), Has.Count.EqualTo(1), "data1 (hourly) is not run again by the reload");
        Assert.That(Poll.Until(() => SectionOf("data2") is { NextRun: not null, LastOutcome: "ok" }, ReadyWait), Is.True, File.ReadAllText(StatePath));
        Assert.That(daemon.HasExited, Is.False);
    }

    [Test]
    public void A_broken_config_on_sighup_is_refused_and_the_old_one_keeps_running()
    {
        WriteConfig(Section("data1", Source, Backups, "*/2 * * * * ?"));
        using var daemon = StartDaemon();
        var ready = daemon.WaitForNotify(n => n == "READY=1", ReadyWait);
        Assert.That(Poll.Until(() => Snapshots(Backups).Count >= 1, LongWait), Is.True, daemon.Describe());

        WriteConfig(Section("data1", Source, Backups, "*/2 * * * * ?", "retain_all = 1 fortnight"));
        daemon.Signal(DaemonProcess.SigHup);

        var refused = daemon.WaitForLog(l => l.Contains("reload refused", StringComparison.Ordinal), ReadyWait);
        var line = daemon.Lines[refused];
        Assert.That(line, Does.Contain(" ERR ").And.Contain("retain_all").And.Contain("fortnight"), daemon.Describe());
        var reloading = daemon.WaitForNotify(n => n.StartsWith("RELOADING=1", StringComparison.Ordinal), ReadyWait, ready + 1);
        daemon.WaitForNotify(n => n == "READY=1", ReadyWait, reloading + 1);

        var before = Snapshots(Backups).Count;
        Assert.That(Poll.Until(() => Snapshots(Backups).Count >= before + 2, LongWait), Is.True, daemon.Describe());
        Assert.That(daemon.HasExited, Is.False);
        Assert.That(daemon.Lines, Has.None.Contains("configuration reloaded"));
    }

    [Test]
    public void A_section_added_before_its_setup_is_skipped_then_caught_up_once_on_the_reload_after_setup()
    {
        const string never = "0 0 0 1 1 ? 2099"; // no scheduled run: only a catch-up can back up
        WriteConfig(Section("data1", Source, Backups, never));
        using var daemon = StartDaemon();
        var ready = daemon.WaitForNotify(n => n == "READY=1", ReadyWait);
        Assert.That(Poll.Until(() => SectionOf("data1")?.LastOutcome == "ok", LongWait), Is.True, daemon.Describe());

        var backups2 = Path.Combine(Loop.Mount, "backups", "data2");
        File.AppendAllText(ConfigPath, Section("data2", Source, backups2, never));
        daemon.Signal(DaemonProcess.SigHup);
        Assert.That(Poll.Until(() => SectionOf("data2")?.LastOutcome == "skipped", LongWait), Is.True, daemon.Describe());

        var setup = CliProcess.Run("-c", ConfigPath, "setup", "data2");
        Assert.That(setup.ExitCode, Is.Zero, setup.ToString());
        Assert.That(Directory.Exists(backups2), Is.True);
        ready = daemon.WaitForNotify(n => n == "READY=1", ReadyWait, ready + 1);
        daemon.Signal(DaemonProcess.SigHup);

        Assert.That(Poll.Until(() => SectionOf("data2")?.LastOutcome == "ok", LongWait), Is.True, daemon.Describe());
        Assert.That(Snapshots(backups2), Has.Count.EqualTo(1), daemon.Describe());

        // Once: a further reload finds the section backed up and nothing missed.
        ready = daemon.WaitForNotify(n => n == "READY=1", ReadyWait, ready + 1);
        daemon.Signal(DaemonProcess.SigHup);
        daemon.WaitForNotify(n => n == "READY=1", ReadyWait, ready + 1);
        Thread.Sleep(3000);
        Assert.That(Snapshots(backups2), Has.Count.EqualTo(1), daemon.Describe());
        Assert.That(Snapshots(Backups), Has.Count.EqualTo(1), "data1 is not run again by the reloads");
        Assert.That(ErrorLines(daemon), Is.Empty, daemon.Describe());
    }
}
