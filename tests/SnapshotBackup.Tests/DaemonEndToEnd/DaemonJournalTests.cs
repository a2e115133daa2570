using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.DaemonEndToEnd;

/// <summary>The real daemon's change journal: a full scan first, then journal backups; a reload that changes ignore scans again.</summary>
public class DaemonJournalTests : DaemonTest
{
    [Test]
    public void The_daemon_backs_up_from_its_journal_after_a_first_full_scan_and_scans_everything_after_a_reload_that_changes_ignore()
    {
        var source = Path.Combine(Loop.Mount, "journal-source");
        Directory.CreateDirectory(Path.Combine(source, "sub"));
        File.WriteAllText(Path.Combine(source, "sub", "a.txt"), "one");
        WriteConfig(Section("data1", source, Backups, "*/2 * * * * ?"));
        using var daemon = StartDaemon();
        var ready = daemon.WaitForNotify(n => n == "READY=1", ReadyWait);

        var first = daemon.WaitForLog(l => l.Contains("full scan: the first backup since the daemon started", StringComparison.Ordinal), LongWait);
        File.WriteAllText(Path.Combine(source, "sub", "b.txt"), "two");
        var journal = daemon.WaitForLog(l => l.Contains("journal backup:", StringComparison.Ordinal) && l.Contains("1 changed", StringComparison.Ordinal), LongWait, first + 1);
        TestContext.Out.WriteLine(daemon.Lines[journal]);
        Assert.That(Poll.Until(() => Snapshots(Backups).Any(s => File.Exists(Path.Combine(Backups, s, "sub", "b.txt"))), LongWait), Is.True, daemon.Describe());
        var newest = Snapshots(Backups).Last(s => File.Exists(Path.Combine(Backups, s, "sub", "b.txt")));
        var compare = Shell.Run("rsync", "-naiHAXc", "--delete", "--", source + "/", Path.Combine(Backups, newest) + "/");
        Assert.That(compare.Output.Trim(), Is.Empty, "the journal backup equals the source");

        WriteConfig(Section("data1", source, Backups, "*/2 * * * * ?", "ignore = *.tmp\n"));
        daemon.Signal(DaemonProcess.SigHup);
        daemon.WaitForNotify(n => n.StartsWith("RELOADING=1", StringComparison.Ordinal), ReadyWait, ready + 1);
        var rescan = daemon.WaitForLog(l => l.Contains("full scan: a reload changed the source or its ignore patterns", StringComparison.Ordinal), LongWait, journal + 1);
        daemon.WaitForLog(l => l.Contains("journal backup:", StringComparison.Ordinal), LongWait, rescan + 1);
        Assert.That(ErrorLines(daemon), Is.Empty, daemon.Describe());
    }
}
