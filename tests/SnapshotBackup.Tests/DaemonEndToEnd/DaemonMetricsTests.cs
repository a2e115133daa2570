using SnapshotBackup.Core.Metrics;
using SnapshotBackup.Core.Volume;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.DaemonEndToEnd;

/// <summary>The daemon's snapshotbackup.prom: every section from its start, counters continued, updated after a scheduled run and a reload.</summary>
[Category("Metrics")]
[NonParallelizable]
public class DaemonMetricsTests : DaemonTest
{
    [Test]
    public void The_file_holds_every_section_at_start_keeps_the_counters_and_follows_the_scheduled_runs_and_a_reload()
    {
        // data1: one backup a minute old and a yearly schedule (no run, no catch-up); data2: every 2 s.
        var snapshot = MakeRecentSnapshot(Backups);
        Assert.That(SnapshotName.TryParse(snapshot, out var snapshotTime), Is.True);
        var source2 = Path.Combine(Loop.Root, "source2");
        Directory.CreateDirectory(source2);
        File.WriteAllText(Path.Combine(source2, "b.txt"), "two");
        var backups2 = Path.Combine(Loop.Mount, "backups", "data2");
        Directory.CreateDirectory(backups2);
        var metricsDir = Path.Combine(Loop.Root, "metrics");
        Directory.CreateDirectory(metricsDir);
        File.WriteAllText(ConfigPath, $"[DEFAULT]\nmetrics_dir = {metricsDir}\n\n"
            + Section("data1", Source, Backups, "0 0 0 1 1 ?") + Section("data2", source2, backups2, "*/2 * * * * ?"));
        // A previous daemon's file: data1's counter goes on from 5; a section no longer configured goes away.
        var file = new MetricsFile(metricsDir);
        file.Update(s =>
        {
            s["data1"] = new SectionMetrics("data1") { Pruned = 5, Decayed = 1 };
            s["gone"] = new SectionMetrics("gone") { Snapshots = 3 };
        });

        using var daemon = StartDaemon();
        daemon.WaitForNotify(n => n == "READY=1", ReadyWait);

        var atStart = file.Read();
        Assert.That(atStart.Keys, Is.EquivalentTo(new[] { "data1", "data2" }), File.ReadAllText(file.Path));
        var data1 = atStart["data1"];
        Assert.That(data1.Snapshots, Is.EqualTo(1));
        Assert.That(data1.NewestSnapshot, Is.EqualTo(snapshotTime.ToUnixTimeSeconds()));
        Assert.That(data1.OldestSnapshot, Is.EqualTo(snapshotTime.ToUnixTimeSeconds()));
        Assert.That(data1.LastSuccess, Is.EqualTo(snapshotTime.ToUnixTimeSeconds()), "from the newest snapshot: no run recorded");
        Assert.That(data1.Pruned, Is.EqualTo(5));
        Assert.That(data1.Decayed, Is.EqualTo(1));
        Assert.That(data1.VolumeAvailable, Is.True);
        Assert.That(data1.VolumeFree, Is.Positive);
        Assert.That(atStart["data2"].VolumeAvailable, Is.True);
        Assert.That(atStart["data2"].Snapshots, Is.Not.Null);

        Assert.That(Poll.Until(() => file.Read().GetValueOrDefault("data2") is { LastOutcome: "succeeded", Snapshots: >= 1 }, LongWait), Is.True,
            daemon.Describe() + "\n" + File.ReadAllText(file.Path));
        var later = file.Read();
        Assert.That(later["data2"].LastTransferredBytes, Is.Positive);
        Assert.That(later["data2"].LastSuccess - later["data2"].LastAttempt, Is.GreaterThanOrEqualTo(0), "a run ends after it starts");
        Assert.That(later["data1"].Pruned, Is.EqualTo(5), "data1 kept while data2's runs rewrite the file");
        Assert.That(later["data1"].Snapshots, Is.EqualTo(1));

        // A reload: data2 removed, data3 added: the file follows at once.
        var backups3 = Path.Combine(Loop.Mount, "backups", "data3");
        Directory.CreateDirectory(backups3);
        MakeRecentSnapshot(backups3); // no catch-up run: what the file says of data3 comes from the reload
        File.WriteAllText(ConfigPath, $"[DEFAULT]\nmetrics_dir = {metricsDir}\n\n"
            + Section("data1", Source, Backups, "0 0 0 1 1 ?") + Section("data3", source2, backups3, "0 0 0 1 1 ?"));
        daemon.Signal(DaemonProcess.SigHup);
        Assert.That(Poll.Until(() => file.Read().Keys.Order(StringComparer.Ordinal).SequenceEqual(["data1", "data3"]), LongWait), Is.True,
            daemon.Describe() + "\n" + File.ReadAllText(file.Path));
        Assert.That(file.Read()["data1"].Pruned, Is.EqualTo(5));
        Assert.That(file.Read()["data3"] is { Snapshots: 1, LastOutcome: null, VolumeAvailable: true }, Is.True, File.ReadAllText(file.Path));
        Assert.That(Directory.GetFiles(metricsDir).Select(Path.GetFileName), Is.EqualTo(new[] { MetricsFile.FileName }));
        Assert.That(ErrorLines(daemon), Is.Empty, daemon.Describe());
    }

    /// <summary>A .sync and one snapshot of it named a minute ago (a yearly schedule then has no catch-up run).</summary>
    private static string MakeRecentSnapshot(string backups)
    {
        var sync = Path.Combine(backups, BackupVolume.SyncName);
        Shell.Check("btrfs", "subvolume", "create", sync);
        var now = DateTimeOffset.Now;
        var snapshot = SnapshotName.Format(now.AddMinutes(-1).AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond)));
        Shell.Check("btrfs", "subvolume", "snapshot", "-r", sync, Path.Combine(backups, snapshot));
        return snapshot;
    }
}
