using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.DaemonEndToEnd;

public class DaemonConcurrencyTests : DaemonTest
{
    [Test]
    public void Sections_on_one_btrfs_filesystem_never_run_at_once_while_another_filesystem_runs_alongside()
    {
        using var second = LoopBtrfs.Create();
        var bigSource = Path.Combine(Loop.Root, "big-source");
        Directory.CreateDirectory(bigSource);
        Shell.Check("truncate", "-s", "4G", Path.Combine(bigSource, "sparse")); // keeps rsync busy for seconds
        var same = Path.Combine(Loop.Mount, "backups", "same");
        var other = Path.Combine(second.Mount, "backups", "other");
        Directory.CreateDirectory(same);
        Directory.CreateDirectory(other);
        const string never = "0 0 0 1 1 ? 2099"; // only the catch-up at start runs
        WriteConfig(
            Section("slow", bigSource, Backups, never),
            Section("same", Source, same, never),
            Section("other", Source, other, never));

        using var daemon = StartDaemon();
        daemon.WaitForNotify(n => n == "READY=1", ReadyWait);
        var wait = TimeSpan.FromMinutes(3);
        int Line(string text) => daemon.WaitForLog(l => l.Contains(text, StringComparison.Ordinal), wait);
        var slowEnd = Line("backup slow succeeded");
        var sameEnd = Line("backup same succeeded");
        var otherEnd = Line("backup other succeeded");
        var slowStart = Line("backup slow started");
        var sameStart = Line("backup same started");

        Assert.That(sameStart > slowEnd || slowStart > sameEnd, Is.True,
            "two sections on one filesystem overlapped:\n" + daemon.Describe());
        Assert.That(otherEnd, Is.LessThan(Math.Max(slowEnd, sameEnd)),
            "a section on another filesystem waited for them:\n" + daemon.Describe());
        Assert.That(Snapshots(Backups), Has.Count.EqualTo(1));
        Assert.That(Snapshots(same), Has.Count.EqualTo(1));
        Assert.That(Snapshots(other), Has.Count.EqualTo(1));
    }
}
