using SnapshotBackup.Core.Volume;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.DaemonEndToEnd;

public class DaemonCatchUpTests : DaemonTest
{
    [Test]
    public void A_missed_hourly_run_is_caught_up_once_at_start()
    {
        // A top of the hour during the test would add a legitimate scheduled run.
        WaitWhileNearTopOfHour(TimeSpan.FromSeconds(40));
        var old = SnapshotName.Format(DateTimeOffset.Now.AddHours(-3));
        MakeSnapshot(old);
        WriteConfig(Section("data1", Source, Backups, "hourly"));

        using var daemon = StartDaemon();
        daemon.WaitForNotify(n => n == "READY=1", ReadyWait);
        Assert.That(Poll.Until(() => Snapshots(Backups).Count >= 2, TimeSpan.FromSeconds(15)), Is.True, daemon.Describe());
        Thread.Sleep(TimeSpan.FromSeconds(5));

        var snapshots = Snapshots(Backups);
        Assert.That(snapshots, Has.Count.EqualTo(2), daemon.Describe());
        Assert.That(snapshots[0], Is.EqualTo(old));
        Assert.That(File.ReadAllText(Path.Combine(Backups, snapshots[0], "a.txt")), Is.EqualTo("older"));
        Assert.That(File.ReadAllText(Path.Combine(Backups, snapshots[1], "a.txt")), Is.EqualTo("one"));
        // One run, and a catch-up: the schedule is hourly, so only the catch-up at start explains the second snapshot.
        Assert.That(SectionOf("data1") is { LastOutcome: "ok", LastSnapshot: { } last } && last == snapshots[1], Is.True, File.ReadAllText(StatePath));
    }

    [Test]
    public void No_catch_up_when_no_scheduled_time_passed_since_the_newest_backup()
    {
        WaitWhileNearTopOfHour(TimeSpan.FromSeconds(40));
        var now = DateTimeOffset.Now;
        var topOfHour = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, now.Offset);
        // Five minutes old, but never before this hour's top (which would make a run due).
        var newest = now.AddMinutes(-5) > topOfHour ? now.AddMinutes(-5) : topOfHour.AddSeconds(1);
        while (DateTimeOffset.Now < newest.AddSeconds(1))
        {
            Thread.Sleep(200);
        }
        var name = SnapshotName.Format(newest);
        MakeSnapshot(name);
        WriteConfig(Section("data1", Source, Backups, "hourly"));
        Assume.That(topOfHour.AddHours(1), Is.GreaterThan(DateTimeOffset.Now.AddSeconds(30)));

        using var daemon = StartDaemon();
        daemon.WaitForNotify(n => n == "READY=1", ReadyWait);
        Thread.Sleep(TimeSpan.FromSeconds(8));

        Assert.That(Snapshots(Backups), Is.EqualTo(new[] { name }), daemon.Describe());
        Assert.That(daemon.Lines, Has.None.Contains("catching up"), daemon.Describe());
        Assert.That(daemon.Lines, Has.None.Contains("backup data1 started"), daemon.Describe());
        Assert.That(SectionOf("data1")?.NextRun, Is.EqualTo(topOfHour.AddHours(1)), File.ReadAllText(StatePath));
    }

    private void MakeSnapshot(string name)
    {
        var sync = Path.Combine(Backups, BackupVolume.SyncName);
        if (!Directory.Exists(sync))
        {
            Shell.Check("btrfs", "subvolume", "create", sync);
            // Older and of another size, as a real earlier backup would be: rsync's quick check must see the change.
            var file = Path.Combine(sync, "a.txt");
            File.WriteAllText(file, "older");
            File.SetLastWriteTime(file, DateTime.Now.AddHours(-3));
        }
        Shell.Check("btrfs", "subvolume", "snapshot", "-r", sync, Path.Combine(Backups, name));
    }

    private static void WaitWhileNearTopOfHour(TimeSpan margin)
    {
        while (true)
        {
            var now = DateTimeOffset.Now;
            var intoHour = TimeSpan.FromMinutes(now.Minute) + TimeSpan.FromSeconds(now.Second);
            if (TimeSpan.FromHours(1) - intoHour > margin && intoHour > TimeSpan.FromSeconds(5))
            {
                return;
            }
            Thread.Sleep(1000);
        }
    }
}
