using System.Text.Json;
using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Core.Internal;
using SnapshotBackup.Core.Volume;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.Reliability;

/// <summary>kill -9 of the CLI alone and of its whole process group, during rsync, around the snapshot step and mid-prune.</summary>
public class KillTests : ReliabilityTest
{
    [TestCase(false)]
    [TestCase(true)]
    public void Kill_9_during_rsync_keeps_older_snapshots_leaves_no_rsync_and_the_next_run_succeeds(bool wholeGroup)
    {
        var fault = $"kill -9 {(wholeGroup ? "process group" : "process")} during rsync";
        Figures.Inject(fault);
        var before = BackUpFilledSource(200);

        var cli = StartBackupBusyInRsync("40G");
        Thread.Sleep(Rng.Next(100, 1500));
        cli.Kill9(wholeGroup);

        Assert.That(SurvivingRsync(), Is.Empty, "no rsync outlives the killed backup");
        Assert.That(SnapshotNames(), Is.EqualTo(before.Keys), "no snapshot of the incomplete copy");
        AssertSnapshotsIntact(before);

        File.Delete(Path.Combine(Source, "big"));
        var created = CliOk("backup", "data1").Output.Trim();
        Assert.That(SnapshotNames(), Has.Count.EqualTo(2).And.Contains(created), "the next run needs no cleanup (no stale lock)");
        AssertEverySnapshotIsComplete(HashTree(Source));
        AssertSnapshotsIntact(before);
        Figures.Survive(fault);
    }

    /// <summary>
    /// The snapshot step lasts milliseconds; rather than a seam, kill at random moments spread over a whole run (rsync,
    /// snapshot, autoprune), many times, with the source changing between rounds. After each kill every snapshot must
    /// equal one whole version of the source (never a mixture) and nothing older may have changed.
    /// </summary>
    [Test]
    public void Kill_9_at_random_moments_including_the_snapshot_step_never_leaves_an_incomplete_snapshot()
    {
        const string fault = "kill -9 at random moments (rsync, snapshot, autoprune)";
        Figures.Inject(fault);
        FillSource(1500, "v0");
        WriteConfig("autoprune = true\nretain_all = '1 day'");
        CliOk("setup", "data1");
        var timer = System.Diagnostics.Stopwatch.StartNew();
        CliOk("backup", "data1");
        var runTime = timer.Elapsed;
        var versions = new List<Dictionary<string, (string Meta, long Size)>> { HashTree(Source) };
        var before = HashSnapshots();
        var outcomes = new List<string>();
        for (var i = 1; i <= 12; i++)
        {
            FillSource(1500, "v" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            versions.Add(HashTree(Source));
            var cli = StartCli("backup", "data1");
            // Anywhere from start-up to past the end of a typical run.
            Thread.Sleep(Rng.Next(0, (int)(runTime.TotalMilliseconds * 1.2)));
            if (!cli.Process.HasExited)
            {
                cli.Kill9(wholeGroup: i % 2 == 0);
                outcomes.Add("killed");
            }
            else
            {
                outcomes.Add("finished " + cli.Process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            Assert.That(SurvivingRsync(), Is.Empty, $"round {i}: no rsync outlives the killed backup");
            AssertSnapshotsIntact(before);
            var listing = new BackupVolume(Backups, BtrfsManager.Instance).List();
            Assert.That(listing.Skipped, Is.Empty);
            foreach (var name in listing.Snapshots.Select(s => s.Name).Except(before.Keys))
            {
                var tree = HashTree(Path.Combine(Backups, name));
                Assert.That(versions.Any(v => v.Count == tree.Count && v.All(kv => tree.TryGetValue(kv.Key, out var t) && t == kv.Value)),
                    Is.True, $"round {i}: new snapshot {name} is one whole version of the source");
            }
            before = HashSnapshots();
        }
        TestContext.Progress.WriteLine($"random kills (typical run {runTime.TotalSeconds:0.0} s): " + string.Join(", ", outcomes));
        Assert.That(outcomes.Count(o => o == "killed"), Is.GreaterThanOrEqualTo(3), "most rounds were really killed");
        var created = CliOk("backup", "data1").Output.Trim();
        Assert.That(HashTree(Path.Combine(Backups, created)), Is.EquivalentTo(versions[^1]), "the next run needs no cleanup");
        AssertSnapshotsIntact(before);
        Figures.Survive(fault);
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Kill_9_during_a_prune_of_300_snapshots_deletes_only_candidates_and_the_next_prune_finishes(bool wholeGroup)
    {
        var fault = $"kill -9 {(wholeGroup ? "process group" : "process")} during a prune of 300 snapshots";
        Figures.Inject(fault);
        WriteFile(Path.Combine(Source, "a.txt"), "content");
        WriteConfig("retain_all = '1 day'\nretain_daily = '1 week'");
        CliOk("setup", "data1");
        CliOk("backup", "data1");
        // 300 snapshots five minutes apart, 40 days ago: all but one weekly are prune candidates.
        var first = DateTimeOffset.Now.AddDays(-40);
        first = first.AddTicks(-(first.Ticks % TimeSpan.TicksPerSecond));
        for (var i = 0; i < 300; i++)
        {
            BtrfsManager.Instance.CreateSnapshot(Backups, BackupVolume.SyncName, SnapshotName.Format(first.AddMinutes(5 * i)), readOnly: true);
        }
        var verdicts = JsonDocument.Parse(CliOk("list", "data1", "--json").Output).RootElement.EnumerateArray()
            .ToDictionary(e => e.GetProperty("name").GetString()!, e => e.GetProperty("prune").GetBoolean());
        var candidates = verdicts.Where(v => v.Value).Select(v => v.Key).ToHashSet();
        Assert.That(candidates, Has.Count.GreaterThanOrEqualTo(290));
        var kept = verdicts.Keys.Except(candidates).ToList();
        var before = HashSnapshots();

        var cli = StartCli("prune", "data1", "--yes");
        // Kill once the prune has deleted some but (usually) not all candidates.
        Poll.Until(() => cli.Process.HasExited || SnapshotNames().Count <= verdicts.Count - 20, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(2));
        var exited = cli.Process.HasExited;
        if (!exited)
        {
            cli.Kill9(wholeGroup);
        }
        var remaining = SnapshotNames();
        TestContext.Progress.WriteLine($"prune killed with {verdicts.Count - remaining.Count} of {candidates.Count} deleted (exited first: {exited})");

        Assert.That(verdicts.Keys.Except(remaining), Is.SubsetOf(candidates), "only prune candidates were deleted");
        Assert.That(new BackupVolume(Backups, BtrfsManager.Instance).List().Skipped, Is.Empty, "no half-deleted entry left behind");
        AssertSnapshotsIntact(before, candidates);

        var second = CliOk("prune", "data1", "--yes");
        AssertNoStackTrace(second);
        Assert.That(SnapshotNames(), Is.EquivalentTo(kept), "the next prune needs no cleanup and finishes the job");
        AssertSnapshotsIntact(before, candidates);
        Figures.Survive(fault);
    }

    [Test]
    public void Kill_9_of_the_daemon_during_a_backup_kills_its_rsync_too()
    {
        const string fault = "kill -9 of snapshotbackupd during a backup";
        Figures.Inject(fault);
        WriteFile(Path.Combine(Source, "a.txt"), "small");
        Shell.Check("truncate", "-s", "40G", Path.Combine(Source, "big"));
        CliOk("setup", "data1");
        WriteConfig("schedule = '*/2 * * * * ?'");
        var daemon = StartInGroup(null, DaemonProcess.Executable,
            "-c", ConfigPath, "--state-file", Path.Combine(Loop.Root, "state.json"), "--log", "console");
        var log = daemon.StandardError.ReadToEndAsync();
        _ = daemon.StandardOutput.ReadToEndAsync();
        ProcessScan.AwaitRsync(Loop.Root, daemon, TimeSpan.FromSeconds(90), () => log.Result);
        Thread.Sleep(500);
        LibC.Kill(daemon.Id, LibC.SIGKILL);
        Assert.That(daemon.WaitForExit(30_000), Is.True);

        Assert.That(SurvivingRsync(), Is.Empty, "rsync dies with the daemon");
        Assert.That(SnapshotNames(), Is.Empty, "no snapshot of the incomplete copy");
        File.Delete(Path.Combine(Source, "big"));
        WriteConfig(string.Empty);
        CliOk("backup", "data1");
        AssertEverySnapshotIsComplete(HashTree(Source));
        Figures.Survive(fault);
    }
}
