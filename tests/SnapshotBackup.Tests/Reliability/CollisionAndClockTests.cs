using System.Text.RegularExpressions;
using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Core.Volume;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.Reliability;

/// <summary>Runs colliding on one volume, and clocks: future snapshots, DST, several backups in one second.</summary>
public partial class CollisionAndClockTests : ReliabilityTest
{
    [Test]
    public void Backups_and_prunes_started_at_once_either_run_or_exit_75_naming_the_holder()
    {
        const string fault = "4 backups and 2 prunes started at once";
        Figures.Inject(fault);
        FillSource(200);
        Shell.Check("truncate", "-s", "3G", Path.Combine(Source, "big"));
        CliOk("setup", "data1");
        var before = SnapshotNames().Count;

        var runs = Enumerable.Range(0, 6).Select(i => (Command: i < 4 ? "backup" : "prune", Cli: StartCli(i < 4 ? "backup" : "prune", "data1", "--yes"))).ToList();
        var pids = runs.Select(r => r.Cli.Pid).ToHashSet();
        var results = runs.Select(r => (r.Command, Result: r.Cli.Wait(TimeSpan.FromMinutes(4)))).ToList();

        foreach (var (command, result) in results)
        {
            AssertNoStackTrace(result);
            Assert.That(result.ExitCode, Is.EqualTo(0).Or.EqualTo(75), result.ToString());
            if (result.ExitCode == 75)
            {
                var holder = LockedBy().Match(result.Error);
                Assert.That(holder.Success, Is.True, result.ToString());
                Assert.That(pids, Does.Contain(int.Parse(holder.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)), "the holder named is one of the runs");
            }
        }
        var successfulBackups = results.Count(r => r.Command == "backup" && r.Result.ExitCode == 0);
        TestContext.Progress.WriteLine("collision: " + string.Join(", ", results.Select(r => $"{r.Command} {r.Result.ExitCode}")));
        Assert.That(results.Count(r => r.Result.ExitCode == 0), Is.GreaterThanOrEqualTo(1), "someone got the lock");
        Assert.That(results.Count(r => r.Result.ExitCode == 75), Is.GreaterThanOrEqualTo(1), "the runs really collided");
        Assert.That(SnapshotNames().Count - before, Is.EqualTo(successfulBackups), "new snapshots = successful backups");
        AssertEverySnapshotIsComplete(HashTree(Source));
        Figures.Survive(fault);
    }

    [Test]
    public async Task Backups_in_the_same_second_never_fail_on_the_snapshot_name()
    {
        const string fault = "5 backups within seconds, one named for the current second already";
        Figures.Inject(fault);
        FillSource(5);
        WriteConfig("autoprune = true\nretain_all = '1 day'");
        CliOk("setup", "data1");
        var now = DateTimeOffset.Now;
        now = now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond));
        Shell.Check("btrfs", "subvolume", "create", Path.Combine(Backups, ".sync"));
        Shell.Check("rsync", "-a", Source + "/", Path.Combine(Backups, ".sync") + "/");
        BtrfsManager.Instance.CreateSnapshot(Backups, ".sync", SnapshotName.Format(now), readOnly: true);
        BtrfsManager.Instance.CreateSnapshot(Backups, ".sync", SnapshotName.Format(now.AddSeconds(1)), readOnly: true);

        // In-process: no process start-up between runs, so several finish within one second.
        for (var i = 0; i < 5; i++)
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            var exit = await SnapshotBackup.Cli.Program.RunAsync(["-c", ConfigPath, "backup", "data1"], output, error, CancellationToken.None);
            Assert.That(exit, Is.Zero, error.ToString());
        }

        Assert.That(SnapshotNames(), Has.Count.EqualTo(7));
        AssertEverySnapshotIsComplete(HashTree(Source));
        Figures.Survive(fault);
    }

    [Test]
    public void A_snapshot_dated_in_the_future_is_kept_and_the_snapshot_just_made_survives_its_autoprune()
    {
        const string fault = "a snapshot dated a year in the future";
        Figures.Inject(fault);
        FillSource(5);
        WriteConfig("autoprune = true\nautodecay = true\nretain_all = '1 minute'\nretain_daily = '1 day'\ndecay = '1 day'");
        CliOk("setup", "data1");
        CliOk("backup", "data1");
        var future = SnapshotName.Format(DateTimeOffset.Now.AddYears(1).AddTicks(-(DateTimeOffset.Now.Ticks % TimeSpan.TicksPerSecond)));
        BtrfsManager.Instance.CreateSnapshot(Backups, ".sync", future, readOnly: true);
        var old = NameAgo(TimeSpan.FromDays(3), LocalOffset);
        BtrfsManager.Instance.CreateSnapshot(Backups, ".sync", old, readOnly: true);

        var result = CliOk("backup", "data1");
        var created = result.Output.Trim();

        AssertNoStackTrace(result);
        Assert.That(SnapshotNames(), Does.Contain(future).And.Contain(created), "the newest (future) backup and the one just made survive");
        Assert.That(SnapshotNames(), Does.Not.Contain(old), "retention still works past the future snapshot");
        AssertNoStackTrace(CliOk("list", "data1"));
        AssertNoStackTrace(CliOk("prune", "data1", "--yes"));
        AssertNoStackTrace(CliOk("decay", "data1", "--yes"));
        Assert.That(SnapshotNames(), Does.Contain(future));
        Figures.Survive(fault);
    }

    [Test]
    public void Snapshots_across_DST_changes_and_offsets_do_not_confuse_list_prune_or_decay()
    {
        const string fault = "snapshots across DST changes, TZ Europe/Berlin";
        Figures.Inject(fault);
        FillSource(5);
        WriteConfig("retain_all = '1 day'\nretain_daily = '1 week'\ndecay = '10 years'");
        CliOk("setup", "data1");
        CliOk("backup", "data1");
        // The repeated hour of the autumn change (two distinct instants with the same wall time) and the skipped
        // hour of the spring change, plus a name written in another offset.
        string[] names =
        [
            "2025-10-26T02:30:00+02:00", "2025-10-26T02:30:00+01:00", "2025-10-26T02:59:59+02:00",
            "2025-03-30T01:59:59+01:00", "2025-03-30T03:00:00+02:00", "2025-03-30T02:30:00+05:30",
        ];
        foreach (var name in names)
        {
            BtrfsManager.Instance.CreateSnapshot(Backups, ".sync", name, readOnly: true);
        }
        var env = new Dictionary<string, string> { ["TZ"] = "Europe/Berlin" };
        var newest = SnapshotNames()[^1];
        foreach (var command in new[] { "list", "prune", "decay", "backup", "list" })
        {
            var result = CliProcess.Run(env, "-c", ConfigPath, command, "data1", "--yes");
            Assert.That(result.ExitCode, Is.Zero, result.ToString());
            AssertNoStackTrace(result);
        }
        Assert.That(SnapshotNames(), Does.Contain(newest));
        // One weekly per week is kept forever: at least one of each DST weekend survives the prune.
        Assert.That(SnapshotNames().Count(n => n.StartsWith("2025-10-26", StringComparison.Ordinal)), Is.GreaterThanOrEqualTo(1));
        Assert.That(SnapshotNames().Count(n => n.StartsWith("2025-03-30", StringComparison.Ordinal)), Is.GreaterThanOrEqualTo(1));
        Figures.Survive(fault);
    }

    [GeneratedRegex(@"is locked by pid (\d+)")]
    private static partial Regex LockedBy();
}
