using SnapshotBackup.Core.Metrics;

namespace SnapshotBackup.Tests.Unit.Metrics;

/// <summary>snapshotbackup.prom in a temporary directory: atomic replacement, mode, the other sections kept, writers serialised.</summary>
public class MetricsFileTests
{
    private string _dir = null!;
    private MetricsFile _file = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = Directory.CreateTempSubdirectory("metrics-").FullName;
        _file = new MetricsFile(_dir);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static SectionMetrics Full(string name) => new(name)
    {
        LastSuccess = 1764667200.5,
        LastAttempt = 1764667190.25,
        LastDuration = 10.25,
        LastTransferredBytes = 4096,
        LastTransferredFiles = 3,
        LastOutcome = "succeeded",
        Snapshots = 5,
        OldestSnapshot = 1764000000,
        NewestSnapshot = 1764667195,
        Pruned = 7,
        Decayed = 2,
        MinFreeDeleted = 3,
        VolumeAvailable = true,
        VolumeSize = 1073741824,
        VolumeFree = 900000000,
        Copies = [new CopyMetrics("/mnt/copies") { LastSuccess = 1764667199, Lag = 0 }, new CopyMetrics("host:/x \"y\"") { Lag = 3600 }],
    };

    [Test]
    public void A_section_round_trips_through_the_file()
    {
        _file.Update(s => s["data1"] = Full("data1"));

        var read = _file.Read();

        Assert.That(read.Keys, Is.EqualTo(new[] { "data1" }));
        var section = read["data1"];
        Assert.That(section with { Copies = [] }, Is.EqualTo(Full("data1") with { Copies = [] }));
        Assert.That(section.Copies, Is.EqualTo(Full("data1").Copies));
    }

    [Test]
    public void The_outcome_is_one_series_per_outcome_with_1_for_the_last()
    {
        _file.Update(s => s["data1"] = new SectionMetrics("data1") { LastOutcome = "failed" });

        var text = File.ReadAllText(_file.Path);

        Assert.That(text, Does.Contain("snapshotbackup_last_outcome{backup=\"data1\",outcome=\"succeeded\"} 0\n"));
        Assert.That(text, Does.Contain("snapshotbackup_last_outcome{backup=\"data1\",outcome=\"skipped\"} 0\n"));
        Assert.That(text, Does.Contain("snapshotbackup_last_outcome{backup=\"data1\",outcome=\"failed\"} 1\n"));
        Assert.That(text, Does.Contain("snapshotbackup_last_outcome{backup=\"data1\",outcome=\"interrupted\"} 0\n"));
        Assert.That(text, Does.Not.Contain("last_success"), "unknown values are not written");
    }

    [Test]
    public void Families_are_grouped_with_every_sections_samples_and_help_once()
    {
        _file.Update(s =>
        {
            s["b"] = Full("b");
            s["a"] = Full("a");
        });

        var lines = File.ReadAllLines(_file.Path);

        foreach (var family in MetricNames.All)
        {
            Assert.That(lines.Count(l => l.StartsWith("# HELP " + family.Name + " ", StringComparison.Ordinal)), Is.EqualTo(1), family.Name);
            Assert.That(lines.Count(l => l == $"# TYPE {family.Name} {family.Type}"), Is.EqualTo(1), family.Name);
            var indexes = lines.Select((l, i) => (l, i)).Where(x => x.l.StartsWith(family.Name + "{", StringComparison.Ordinal)).Select(x => x.i).ToList();
            Assert.That(indexes, Is.Not.Empty, family.Name);
            Assert.That(indexes[^1] - indexes[0], Is.EqualTo(indexes.Count - 1), $"{family.Name}: its samples together");
            Assert.That(lines[indexes[0]], Does.Contain("backup=\"a\""), "sections by name");
        }
    }

    [Test]
    public void An_update_keeps_the_sections_it_does_not_change()
    {
        _file.Update(s =>
        {
            s["data1"] = Full("data1");
            s["data2"] = Full("data2");
        });

        _file.Update(s => s["data1"] = s["data1"] with { Pruned = s["data1"].Pruned + 1 });

        var read = _file.Read();
        Assert.That(read["data1"].Pruned, Is.EqualTo(8));
        Assert.That(read["data2"] with { Copies = [] }, Is.EqualTo(Full("data2") with { Copies = [] }));
    }

    [Test]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void The_file_is_mode_0644_and_no_temporary_file_is_left()
    {
        File.WriteAllText(Path.Combine(_dir, "other.prom"), "x 1\n");
        _file.Update(s => s["data1"] = Full("data1"));
        _file.Update(s => s["data1"] = Full("data1") with { Snapshots = 6 });

        Assert.That(File.GetUnixFileMode(_file.Path), Is.EqualTo(
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead));
        Assert.That(Directory.GetFiles(_dir).Select(Path.GetFileName), Is.EquivalentTo(new[] { "snapshotbackup.prom", "other.prom" }));
    }

    [Test]
    public void A_temporary_file_left_by_a_killed_writer_is_removed_by_the_next_update()
    {
        var leftover = Path.Combine(_dir, ".snapshotbackup.prom.12345.tmp");
        File.WriteAllText(leftover, "half a fi");

        _file.Update(s => s["data1"] = Full("data1"));

        Assert.That(File.Exists(leftover), Is.False);
        Assert.That(File.Exists(_file.Path), Is.True);
    }

    [Test]
    public void A_missing_directory_throws_an_io_error_naming_it()
    {
        var file = new MetricsFile(Path.Combine(_dir, "missing"));

        Assert.That(() => file.Update(s => s["data1"] = Full("data1")), Throws.InstanceOf<IOException>().With.Message.Contains("missing"));
    }

    [Test]
    public void Writers_in_parallel_lose_no_update()
    {
        // Each writer adds one to a counter: read-modify-write under the directory's flock, so the sum is exact.
        Parallel.For(0, 40, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
            _file.Update(s =>
            {
                var name = i % 2 == 0 ? "a" : "b";
                var section = s.GetValueOrDefault(name) ?? new SectionMetrics(name);
                s[name] = section with { Pruned = section.Pruned + 1 };
            }));

        var read = _file.Read();
        Assert.That(read["a"].Pruned + read["b"].Pruned, Is.EqualTo(40));
    }
}
