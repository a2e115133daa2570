using System.Security.Cryptography;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.EndToEnd;

/// <summary>
/// <c>min_free</c> with the real command on a real 256 MB btrfs filled by real backups. Each backup holds its own random
/// (incompressible) files, so no two snapshots share extents and deleting one frees what it holds, once btrfs's cleaner
/// has run. Snapshots are renamed to older times (a rename of a read-only snapshot is btrfs's own) to give them their
/// retention roles. Free space is read as the product reads it (statfs of the mount).
/// </summary>
[NonParallelizable]
public sealed class MinFreeTests : VolumeTest
{
    private const int MiB = 1 << 20;
    private int _round;

    protected override string VolumeSize => "256M";

    [SetUp]
    public void SetUpBackups() => CliOk("setup", "data1");

    private long Free => new DriveInfo(Loop.Mount).AvailableFreeSpace;

    /// <summary>Replaces the source with <paramref name="files"/> new random files of 4 MiB.</summary>
    private void NewSourceData(int files)
    {
        foreach (var file in Directory.GetFiles(Source))
        {
            File.Delete(file);
        }
        _round++;
        var buffer = new byte[4 * MiB];
        for (var i = 0; i < files; i++)
        {
            RandomNumberGenerator.Fill(buffer);
            File.WriteAllBytes(Path.Combine(Source, $"r{_round}-{i}.bin"), buffer);
        }
    }

    /// <summary>A real backup of <paramref name="files"/> new files of 4 MiB; its snapshot's name.</summary>
    private string Backup(int files)
    {
        NewSourceData(files);
        return CliOk("backup", "data1").Output.Trim();
    }

    /// <summary>Renames snapshot <paramref name="name"/> to the one <paramref name="daysAgo"/> days ago at the given time (UTC).</summary>
    private string Age(string name, int daysAgo, int hour, int minute)
    {
        var aged = NameAt(daysAgo, new TimeSpan(hour, minute, 0), TimeSpan.Zero);
        Directory.Move(Path.Combine(Backups, name), Path.Combine(Backups, aged));
        return aged;
    }

    private static string MiBText(long bytes) => Core.Copies.ByteSize.Format(bytes);

    private string[] SyncFiles() => Directory.GetFiles(Path.Combine(Backups, ".sync")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    /// <summary>The min_free deletion lines of a run's log, in order: <c>NAME (REASON)</c>.</summary>
    private static List<string> Deletions(Shell.Result result) =>
        result.Error.Split('\n')
            .Select(l => System.Text.RegularExpressions.Regex.Match(l, @"min_free: deleted (\S+) \(([a-z ]+)\), free space now"))
            .Where(m => m.Success)
            .Select(m => $"{m.Groups[1].Value} ({m.Groups[2].Value})")
            .ToList();

    [Test]
    public void Before_a_backup_it_deletes_prune_then_decay_candidates_then_the_oldest_kept_passing_the_pinned_and_stops_when_enough()
    {
        // Six backups of 16 MiB. By name: two 400 days old (10:00 is weekly, so decay's only; 10:05 prune's too), two 10
        // days old (10:00 daily, kept; 10:05 a prune candidate, pinned), one 5 days old (kept), and the newest.
        var names = Enumerable.Range(0, 6).Select(_ => Backup(4)).ToList();
        var decayOnly = Age(names[0], 400, 10, 0);
        var pruneOld = Age(names[1], 400, 10, 5);
        var keptOld = Age(names[2], 10, 10, 0);
        var pinned = Age(names[3], 10, 10, 5);
        var keptNewer = Age(names[4], 5, 10, 0);
        var newest = names[5];
        CliOk("pin", "data1", pinned, "--note", "keep");
        NewSourceData(4);
        // Three deletions free about 48 MiB: ask for 40 MiB more than there is, so two are not enough and three are.
        var free = Free;
        var limit = free + (40L * MiB);
        WriteConfig($"min_free = {limit / 1024} KiB");

        // The plan names the order the backup then deletes in (it does not say how many: that is measured).
        using (var plan = System.Text.Json.JsonDocument.Parse(CliOk("plan", "data1", "--json").Output))
        {
            Assert.That(plan.RootElement.GetProperty("min_free").GetString(), Does.Contain("only").And.Contain("the next backup deletes"));
            var ranked = plan.RootElement.GetProperty("snapshots").EnumerateArray()
                .Where(e => e.GetProperty("min_free_rank").ValueKind == System.Text.Json.JsonValueKind.Number)
                .OrderBy(e => e.GetProperty("min_free_rank").GetInt32())
                .Select(e => e.GetProperty("name").GetString())
                .ToList();
            Assert.That(ranked, Is.EqualTo(new[] { pruneOld, decayOnly, keptOld, keptNewer }), "never the pinned one or the newest");
        }

        var result = Cli("backup", "data1");
        TestContext.Out.WriteLine(result.Error);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var created = result.Output.Trim();
        Assert.That(Deletions(result), Is.EqualTo(new[]
        {
            $"{pruneOld} (prune candidate)",
            $"{decayOnly} (decay candidate)",
            $"{keptOld} (oldest kept by retention)",
        }), result.Error);
        Assert.That(SnapshotNames(), Is.EqualTo(new[] { pinned, keptNewer, newest, created }), "the pinned one, the one not needed and the newest stay");
        Assert.That(result.Error, Does.Contain($"below the limit {MiBText(limit)}"));
        // Measured, not estimated: after the third deletion the free space reported is at the limit, and is really there.
        var lastLine = result.Error.Split('\n').Last(l => l.Contains("min_free: deleted", StringComparison.Ordinal));
        Assert.That(lastLine, Does.Contain($"of limit {MiBText(limit)}"));
        Assert.That(Free + (20L * MiB), Is.GreaterThanOrEqualTo(limit), "the backup's own 16 MiB aside, the space is free");
        Assert.That(SyncFiles(), Is.EqualTo(Directory.GetFiles(Source).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()));
    }

    [Test]
    public void A_copy_targets_common_snapshot_is_passed_by_like_a_pinned_one()
    {
        // Four backups of 16 MiB, the oldest two prune candidates by name; a copy target (on no disk now: unreachable)
        // whose common snapshot, by the volume's .copies.json, is the oldest one.
        var names = Enumerable.Range(0, 4).Select(_ => Backup(4)).ToList();
        var parent = Age(names[0], 10, 10, 5);
        var candidate = Age(names[1], 10, 10, 10);
        var kept = Age(names[2], 10, 10, 0);
        var target = Path.Combine(Loop.Mount, "offsite-not-mounted");
        var record = new Dictionary<string, Dictionary<string, string>>
        {
            [target] = new() { ["last_reachable"] = DateTimeOffset.UtcNow.ToString("O"), ["common_parent"] = parent },
        };
        File.WriteAllText(Path.Combine(Backups, ".copies.json"), System.Text.Json.JsonSerializer.Serialize(record));
        NewSourceData(4);
        var limit = Free + (8L * MiB);
        WriteConfig($"min_free = {limit / 1024} KiB\ncopy_to = {target}");

        var result = Cli("backup", "data1");
        TestContext.Out.WriteLine(result.Error);

        Assert.That(Deletions(result), Is.EqualTo(new[] { $"{candidate} (prune candidate)" }), result.ToString());
        Assert.That(SnapshotNames(), Does.Contain(parent), "the copy target's common snapshot stays");
        Assert.That(SnapshotNames(), Does.Contain(kept));
    }

    [Test]
    public void When_pinned_snapshots_and_the_newest_are_all_there_is_the_backup_fails_with_the_numbers_and_changes_nothing()
    {
        var names = Enumerable.Range(0, 3).Select(_ => Backup(2)).ToList();
        CliOk("pin", "data1", names[0]);
        CliOk("pin", "data1", names[1]);
        var syncBefore = SyncFiles();
        NewSourceData(2);
        WriteConfig("min_free = 95%");

        var result = Cli("backup", "data1");

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Error, Does.Match(
            $@"min_free: only \d+(\.\d+)? MiB free on {System.Text.RegularExpressions.Regex.Escape(Backups)} after deleting 0 snapshots " +
            @"\(limit \d+(\.\d+)? MiB \(95%\)\); the rest are the newest, pinned or copy parents: free space by hand or lower min_free"));
        Assert.That(SnapshotNames(), Is.EqualTo(names), "no snapshot deleted, none taken");
        Assert.That(SyncFiles(), Is.EqualTo(syncBefore), ".sync as it was: rsync did not run");
        Assert.That(Deletions(result), Is.Empty);
    }

    [Test]
    public void A_dry_run_names_what_it_would_delete_in_order_with_the_space_and_deletes_nothing()
    {
        var names = Enumerable.Range(0, 3).Select(_ => Backup(2)).ToList();
        var pruneCandidate = Age(names[0], 500, 10, 5);
        var older = Age(names[1], 500, 10, 0);
        var syncBefore = SyncFiles();
        NewSourceData(2);
        WriteConfig("min_free = 90%");

        var result = Cli("backup", "data1", "--dry-run");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Error, Does.Match(
            @"dry run: min_free would delete, one at a time and measuring after each, until free space reaches \d+(\.\d+)? MiB \(90%\); " +
            $@"now \d+(\.\d+)? MiB free on {System.Text.RegularExpressions.Regex.Escape(Backups)}: " +
            System.Text.RegularExpressions.Regex.Escape($"{pruneCandidate} (prune candidate), {older} (decay candidate)")));
        Assert.That(SnapshotNames(), Is.EqualTo(new[] { older, pruneCandidate, names[2] }));
        Assert.That(SyncFiles(), Is.EqualTo(syncBefore));
        Assert.That(Deletions(result), Is.Empty);
    }

    [Test]
    public void When_rsync_fills_the_volume_it_deletes_down_to_the_limit_and_runs_rsync_once_more()
    {
        // Three backups of 40 MiB leave about 60 MiB; the next source is 80 MiB. min_free = 32 MiB passes before rsync,
        // rsync then fills the volume; one deletion (40 MiB) brings the space back above 32 MiB, enough for the rest.
        var names = Enumerable.Range(0, 3).Select(_ => Backup(10)).ToList();
        var free = Free;
        Assert.That(free, Is.InRange(40L * MiB, 76L * MiB), "the premise: the next 80 MiB do not fit, 32 MiB are free");
        NewSourceData(20);
        WriteConfig("min_free = 32 MiB");

        var result = Cli("backup", "data1");
        TestContext.Out.WriteLine(result.Error);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Error, Does.Contain("after rsync found the volume full, below the limit 32.0 MiB"));
        Assert.That(result.Error, Does.Contain("min_free: running rsync once more"));
        Assert.That(Deletions(result), Is.EqualTo(new[] { $"{names[0]} (oldest kept by retention)" }));
        var created = result.Output.Trim();
        Assert.That(SnapshotNames(), Is.EqualTo(new[] { names[1], names[2], created }));
        Assert.That(Directory.GetFiles(Path.Combine(Backups, created)), Has.Length.EqualTo(20), "the snapshot holds the whole source");
    }
}
