using System.Collections.Concurrent;
using System.Globalization;
using SnapshotBackup.Core.Metrics;
using SnapshotBackup.Core.Volume;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.EndToEnd;

/// <summary>
/// metrics_dir with the real command on a loop btrfs, read through the real node_exporter's textfile collector: the
/// values against the volume (snapshot names, statfs, what rsync moved), the outcome after a skip and a failure, the
/// counters, and no scrape error while backups run in a loop.
/// </summary>
[Category("Metrics")]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class MetricsTests : VolumeTest
{
    private const string Data = "data1";

    private NodeExporter _exporter = null!;
    private string _metricsDir = null!;

    [SetUp]
    public void StartExporter()
    {
        _metricsDir = Path.Combine(Loop.Root, "textfile");
        Directory.CreateDirectory(_metricsDir);
        _exporter = NodeExporter.Start(_metricsDir);
    }

    [TearDown]
    public void StopExporter() => _exporter?.Dispose();

    /// <summary>The config with metrics_dir and sections data1 (plus <paramref name="extra"/>) and any others given.</summary>
    private void WriteMetricsConfig(string extra = "", string otherSections = "") =>
        File.WriteAllText(ConfigPath, $"[DEFAULT]\nmetrics_dir = {_metricsDir}\n\n[{Data}]\nsource = {Source}\nbackups = {Backups}\n{extra}\n{otherSections}");

    private static double? Value(IReadOnlyList<MetricSample> samples, string name, string backup = Data, params (string, string)[] more) =>
        NodeExporter.Value(samples, name, [("backup", backup), .. more]);

    private IReadOnlyList<MetricSample> ScrapeOk()
    {
        var samples = _exporter.ScrapeSamples();
        Assert.That(NodeExporter.Value(samples, "node_textfile_scrape_error"), Is.Zero, "node_exporter read the file: " + _exporter.Output);
        return samples;
    }

    private static double Seconds(string snapshotName)
    {
        Assert.That(SnapshotName.TryParse(snapshotName, out var time), Is.True, snapshotName);
        return time.ToUnixTimeSeconds();
    }

    private static double Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    private (long Free, long Size) StatFs()
    {
        var fields = Shell.Run("stat", "-f", "-c", "%a %S %b", Backups).Output.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        return (fields[0] * fields[1], fields[2] * fields[1]);
    }

    private void AssertFileIsClean()
    {
        Assert.That(Directory.GetFiles(_metricsDir).Select(Path.GetFileName), Is.EqualTo(new[] { MetricsFile.FileName }), "no temporary file left");
        Assert.That(File.GetUnixFileMode(Path.Combine(_metricsDir, MetricsFile.FileName)), Is.EqualTo(
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead));
    }

    [Test]
    public void Two_backups_show_in_node_exporter_with_the_volumes_values()
    {
        WriteMetricsConfig();
        WriteFile(Path.Combine(Source, "a.txt"), "one");
        CliOk("setup", Data);
        var before = Now;
        var first = CliOk("backup", Data).Output.Trim();
        Thread.Sleep(1100);
        var content = new byte[200_000];
        Random.Shared.NextBytes(content); // incompressible: rsync moves all of it
        File.WriteAllBytes(Path.Combine(Source, "big.bin"), content);
        var second = CliOk("backup", Data).Output.Trim();
        var after = Now;

        var samples = ScrapeOk();
        Assert.That(Value(samples, "snapshotbackup_snapshots"), Is.EqualTo(2));
        Assert.That(Value(samples, "snapshotbackup_oldest_snapshot_timestamp_seconds"), Is.EqualTo(Seconds(first)));
        Assert.That(Value(samples, "snapshotbackup_newest_snapshot_timestamp_seconds"), Is.EqualTo(Seconds(second)));
        Assert.That(Value(samples, "snapshotbackup_last_outcome", Data, ("outcome", "succeeded")), Is.EqualTo(1));
        foreach (var other in new[] { "skipped", "failed", "interrupted" })
        {
            Assert.That(Value(samples, "snapshotbackup_last_outcome", Data, ("outcome", other)), Is.Zero, other);
        }
        Assert.That(Value(samples, "snapshotbackup_last_transferred_bytes"), Is.InRange(200_000, 260_000), "the new file and rsync's overhead");
        Assert.That(Value(samples, "snapshotbackup_last_transferred_files"), Is.EqualTo(1));
        var success = Value(samples, "snapshotbackup_last_success_timestamp_seconds")!.Value;
        var attempt = Value(samples, "snapshotbackup_last_attempt_timestamp_seconds")!.Value;
        var duration = Value(samples, "snapshotbackup_last_duration_seconds")!.Value;
        Assert.That(success, Is.InRange(before, after + 1));
        Assert.That(attempt, Is.InRange(Seconds(first), success), "the second run's start");
        Assert.That(duration, Is.GreaterThan(0).And.LessThanOrEqualTo(success - attempt + 0.01));
        Assert.That(Value(samples, "snapshotbackup_pruned_snapshots_total"), Is.Zero);
        Assert.That(Value(samples, "snapshotbackup_decayed_snapshots_total"), Is.Zero);
        Assert.That(Value(samples, "snapshotbackup_volume_available"), Is.EqualTo(1));
        var (free, size) = StatFs();
        Assert.That(Value(samples, "snapshotbackup_volume_size_bytes"), Is.EqualTo(size));
        Assert.That(Value(samples, "snapshotbackup_volume_free_bytes"), Is.InRange(free - (16L << 20), free + (16L << 20)), "statfs, give or take btrfs's accounting");
        Assert.That(samples.Where(s => s.Name.StartsWith("snapshotbackup_copy", StringComparison.Ordinal)), Is.Empty, "no copy_to: no copy series");
        AssertFileIsClean();
    }

    [Test]
    public void A_skipped_and_a_failed_run_set_the_outcome_and_keep_the_last_success()
    {
        WriteMetricsConfig();
        WriteFile(Path.Combine(Source, "a.txt"), "one");
        CliOk("setup", Data);
        CliOk("backup", Data);
        var recorded = Value(ScrapeOk(), "snapshotbackup_last_success_timestamp_seconds");
        Assert.That(recorded, Is.Not.Null);
        var success = recorded!.Value;

        Directory.Move(Source, Source + ".away");
        Assert.That(Cli("backup", Data).ExitCode, Is.Not.Zero);
        var skipped = ScrapeOk();
        Assert.That(Value(skipped, "snapshotbackup_last_outcome", Data, ("outcome", "skipped")), Is.EqualTo(1), File.ReadAllText(Path.Combine(_metricsDir, MetricsFile.FileName)));
        Assert.That(Value(skipped, "snapshotbackup_last_outcome", Data, ("outcome", "succeeded")), Is.Zero);
        Assert.That(Value(skipped, "snapshotbackup_last_success_timestamp_seconds"), Is.EqualTo(success));
        Assert.That(Value(skipped, "snapshotbackup_last_attempt_timestamp_seconds"), Is.GreaterThan(success));
        Assert.That(Value(skipped, "snapshotbackup_last_transferred_bytes"), Is.Zero);
        Assert.That(Value(skipped, "snapshotbackup_snapshots"), Is.EqualTo(1));

        Directory.Move(Source + ".away", Source);
        WriteMetricsConfig("before_backup = exit 3");
        Assert.That(Cli("backup", Data).ExitCode, Is.EqualTo(1));
        var failed = ScrapeOk();
        Assert.That(Value(failed, "snapshotbackup_last_outcome", Data, ("outcome", "failed")), Is.EqualTo(1));
        Assert.That(Value(failed, "snapshotbackup_last_outcome", Data, ("outcome", "skipped")), Is.Zero);
        Assert.That(Value(failed, "snapshotbackup_last_success_timestamp_seconds"), Is.EqualTo(success));
        Assert.That(Value(failed, "snapshotbackup_snapshots"), Is.EqualTo(1), "no snapshot after before_backup failed");
    }

    [Test]
    public void Prune_and_autoprune_add_to_the_counter_and_a_dry_run_writes_nothing()
    {
        // Three backups on one day 30 days ago: prune deletes the two later ones (neither daily nor weekly).
        CreateSyncByHand();
        var names = new[] { new TimeSpan(10, 0, 0), new TimeSpan(10, 5, 0), new TimeSpan(10, 10, 0) }
            .Select(t => NameAt(30, t, TimeSpan.Zero)).ToList();
        names.ForEach(MakeSnapshot);
        WriteMetricsConfig();

        CliOk("prune", Data, "--dry-run");
        Assert.That(File.Exists(Path.Combine(_metricsDir, MetricsFile.FileName)), Is.False, "a dry run writes nothing");

        CliOk("prune", Data, "--yes");
        var deleted = names.Count - SnapshotNames().Count;
        Assert.That(deleted, Is.Positive, "prune deleted something");
        var pruned = ScrapeOk();
        Assert.That(Value(pruned, "snapshotbackup_pruned_snapshots_total"), Is.EqualTo(deleted));
        Assert.That(Value(pruned, "snapshotbackup_snapshots"), Is.EqualTo(SnapshotNames().Count));
        Assert.That(Value(pruned, "snapshotbackup_oldest_snapshot_timestamp_seconds"), Is.EqualTo(Seconds(names[0])));
        Assert.That(Value(pruned, "snapshotbackup_last_outcome", Data, ("outcome", "succeeded")), Is.Null, "no backup ran yet");

        // Two more that day, then a backup with autoprune deletes some: the counter continues from the file's value.
        MakeSnapshot(NameAt(30, new TimeSpan(11, 0, 0), TimeSpan.Zero));
        MakeSnapshot(NameAt(30, new TimeSpan(11, 5, 0), TimeSpan.Zero));
        var beforeBackup = SnapshotNames().Count;
        WriteFile(Path.Combine(Source, "a.txt"), "one");
        WriteMetricsConfig("autoprune = true");
        CliOk("backup", Data);
        var autopruned = beforeBackup + 1 - SnapshotNames().Count;
        Assert.That(autopruned, Is.Positive, "autoprune deleted something");
        var after = ScrapeOk();
        Assert.That(Value(after, "snapshotbackup_pruned_snapshots_total"), Is.EqualTo(deleted + autopruned));
        Assert.That(Value(after, "snapshotbackup_snapshots"), Is.EqualTo(SnapshotNames().Count));
    }

    [Test]
    public void A_copy_target_has_its_last_copy_time_and_lag()
    {
        using var target = LoopBtrfs.Create();
        var copies = Path.Combine(target.Mount, "copies");
        Directory.CreateDirectory(copies);
        WriteMetricsConfig($"copy_to = {copies}");
        WriteFile(Path.Combine(Source, "a.txt"), "one");
        CliOk("setup", Data);
        var before = Now;
        CliOk("backup", Data);

        var samples = ScrapeOk();
        Assert.That(Value(samples, "snapshotbackup_copy_last_success_timestamp_seconds", Data, ("target", copies)), Is.InRange(before, Now + 1));
        Assert.That(Value(samples, "snapshotbackup_copy_lag_seconds", Data, ("target", copies)), Is.Zero);

        // A backup without its copies (the target unmounted): the target lags by the time between the snapshots.
        Shell.Check("umount", target.Mount);
        Thread.Sleep(1100);
        CliOk("backup", Data);
        var names = SnapshotNames();
        var lagging = ScrapeOk();
        Assert.That(Value(lagging, "snapshotbackup_copy_lag_seconds", Data, ("target", copies)), Is.EqualTo(Seconds(names[1]) - Seconds(names[0])));
        Shell.Check("mount", "-o", "loop", target.Image, target.Mount);
    }

    [Test]
    public void No_scrape_sees_an_error_or_a_missing_section_while_two_sections_back_up_in_a_loop()
    {
        var source2 = Path.Combine(Loop.Root, "source2");
        var backups2 = Path.Combine(Loop.Mount, "backups", "data2");
        WriteMetricsConfig(otherSections: $"[data2]\nsource = {source2}\nbackups = {backups2}\n");
        WriteFile(Path.Combine(Source, "a.txt"), "one");
        WriteFile(Path.Combine(source2, "b.txt"), "two");
        CliOk("setup", Data);
        CliOk("setup", "data2");
        CliOk("backup", Data);
        CliOk("backup", "data2");

        using var stop = new CancellationTokenSource();
        var problems = new ConcurrentQueue<string>();
        var scrapes = 0;
        var scrapers = Enumerable.Range(0, 3).Select(_ => Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                var samples = _exporter.ScrapeSamples();
                Interlocked.Increment(ref scrapes);
                if (NodeExporter.Value(samples, "node_textfile_scrape_error") != 0)
                {
                    problems.Enqueue("scrape error: " + _exporter.Output);
                }
                foreach (var section in new[] { Data, "data2" })
                {
                    if (Value(samples, "snapshotbackup_snapshots", section) is null)
                    {
                        problems.Enqueue($"{section} missing from a scrape");
                    }
                }
            }
        })).ToList();
        // Two commands at once, five backups each: the writers take turns and neither loses the other's section.
        var loops = new[] { Data, "data2" }.Select(section => Task.Run(() =>
        {
            var file = Path.Combine(section == Data ? Source : source2, "n.txt");
            for (var i = 0; i < 5; i++)
            {
                File.WriteAllText(file, i.ToString(CultureInfo.InvariantCulture));
                Thread.Sleep(1000); // one snapshot name per second
                var result = Cli("backup", section);
                if (result.ExitCode != 0)
                {
                    problems.Enqueue(result.ToString());
                }
            }
        })).ToArray();
        Task.WaitAll(loops);
        stop.Cancel();
        Task.WaitAll([.. scrapers]);

        Assert.That(problems, Is.Empty);
        Assert.That(scrapes, Is.GreaterThan(30));
        var samples = ScrapeOk();
        Assert.That(Value(samples, "snapshotbackup_snapshots", Data), Is.EqualTo(6));
        Assert.That(Value(samples, "snapshotbackup_snapshots", "data2"), Is.EqualTo(6));
        AssertFileIsClean();
    }

    [Test]
    public void A_metrics_dir_that_does_not_exist_is_a_warning_not_a_failed_backup()
    {
        Directory.Delete(_metricsDir);
        WriteMetricsConfig();
        WriteFile(Path.Combine(Source, "a.txt"), "one");
        CliOk("setup", Data);

        var result = CliOk("backup", Data);

        Assert.That(result.Error, Does.Contain("metrics").And.Contain(_metricsDir), result.ToString());
        Assert.That(SnapshotNames(), Has.Count.EqualTo(1));
    }
}
