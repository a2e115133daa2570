using Microsoft.Extensions.Logging;
using Moq;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Copies;
using SnapshotBackup.Core.Engine;
using SnapshotBackup.Core.Metrics;
using SnapshotBackup.Core.Runs;
using SnapshotBackup.Core.State;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Tests.Unit.Metrics;

/// <summary>What the observer writes for a run, a copy run and the daemon's start, with the engine faked (the file is real).</summary>
public class MetricsObserverTests
{
    private static readonly DateTimeOffset Finished = new(2026, 3, 1, 12, 0, 10, TimeSpan.Zero);

    private string _dir = null!;
    private Mock<IBackupEngine> _engine = null!;
    private Mock<ILogger> _logger = null!;
    private BackupConfig _config = null!;
    private ConfigSet _configs = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = Directory.CreateTempSubdirectory("metrics-").FullName;
        Assert.That(CopyTarget.TryParse("/mnt/copies", out var target, out var error), Is.True, error);
        _config = new BackupConfig { Name = "data1", Source = "/src", Backups = _dir, CopyTo = [target] };
        _configs = Configs(_dir, _config);
        _engine = new Mock<IBackupEngine>(MockBehavior.Strict);
        _engine.Setup(e => e.ListSnapshots(It.IsAny<BackupConfig>())).Returns(new VolumeListing(
            [new Snapshot("2026-02-01T00:00:00+00:00", new(2026, 2, 1, 0, 0, 0, TimeSpan.Zero)), new Snapshot("2026-03-01T12:00:05+00:00", new(2026, 3, 1, 12, 0, 5, TimeSpan.Zero))], []));
        _engine.Setup(e => e.CopyRecords(It.IsAny<BackupConfig>())).Returns(new Dictionary<string, CopyRecord>
        {
            ["/mnt/copies"] = new() { LastCopy = Finished.AddDays(-1), NewestCopy = "2026-02-01T00:00:00+00:00" },
        });
        _logger = new Mock<ILogger>();
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static ConfigSet Configs(string? metricsDir, params BackupConfig[] sections) =>
        new([], [], sections.ToDictionary(s => s.Name), new Dictionary<string, string>(), []) { MetricsDir = metricsDir };

    private MetricsObserver Observer() => new(() => _configs, _engine.Object, _logger.Object);

    private SectionMetrics Section() => new MetricsFile(_dir).Read()["data1"];

    [Test]
    public async Task A_run_sets_the_last_run_values_adds_the_deletions_and_reads_the_volume()
    {
        var result = new RunResult("data1", RunOutcome.Succeeded)
        {
            Finished = Finished,
            Duration = TimeSpan.FromSeconds(8.5),
            BytesTransferred = 4096,
            FilesTransferred = 2,
            Pruned = ["a", "b"],
            Decayed = ["c"],
            MinFreeDeleted = [new Core.Retention.FreeSpaceDeletion("d", Core.Retention.FreeSpaceReason.PruneCandidate)],
        };

        await Observer().RunFinishedAsync(_config, result, [], CancellationToken.None);
        await Observer().RunFinishedAsync(_config, result, [], CancellationToken.None);

        var section = Section();
        Assert.That(section.LastSuccess, Is.EqualTo(Finished.ToUnixTimeSeconds()));
        Assert.That(section.LastAttempt, Is.EqualTo(Finished.ToUnixTimeSeconds() - 8.5));
        Assert.That(section.LastDuration, Is.EqualTo(8.5));
        Assert.That(section.LastTransferredBytes, Is.EqualTo(4096));
        Assert.That(section.LastTransferredFiles, Is.EqualTo(2));
        Assert.That(section.LastOutcome, Is.EqualTo("succeeded"));
        Assert.That(section.Pruned, Is.EqualTo(4), "two runs, two each: the counter adds up");
        Assert.That(section.Decayed, Is.EqualTo(2));
        Assert.That(section.MinFreeDeleted, Is.EqualTo(2));
        Assert.That(section.Snapshots, Is.EqualTo(2));
        Assert.That(section.OldestSnapshot, Is.EqualTo(new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds()));
        Assert.That(section.NewestSnapshot, Is.EqualTo(Finished.ToUnixTimeSeconds() - 5));
        Assert.That(section.VolumeSize, Is.Positive, "statfs of the directory");
        Assert.That(section.Copies, Is.EqualTo(new[]
        {
            new CopyMetrics("/mnt/copies") { LastSuccess = Finished.AddDays(-1).ToUnixTimeSeconds(), Lag = (Finished.AddSeconds(-5) - new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.Zero)).TotalSeconds },
        }));
    }

    [Test]
    public async Task A_failed_run_keeps_the_last_success_and_an_unreadable_volume_keeps_its_last_values()
    {
        await Observer().RunFinishedAsync(_config, new RunResult("data1", RunOutcome.Succeeded) { Finished = Finished }, [], CancellationToken.None);
        _engine.Setup(e => e.ListSnapshots(It.IsAny<BackupConfig>())).Throws(new VolumeUnavailableException("not mounted"));

        await Observer().RunFinishedAsync(_config, new RunResult("data1", RunOutcome.Skipped) { Finished = Finished.AddHours(1) }, [], CancellationToken.None);

        var section = Section();
        Assert.That(section.LastOutcome, Is.EqualTo("skipped"));
        Assert.That(section.LastSuccess, Is.EqualTo(Finished.ToUnixTimeSeconds()));
        Assert.That(section.LastAttempt, Is.EqualTo(Finished.AddHours(1).ToUnixTimeSeconds()));
        Assert.That(section.VolumeAvailable, Is.False);
        Assert.That(section.Snapshots, Is.EqualTo(2), "the last values seen");
    }

    [Test]
    public async Task A_dry_run_and_a_config_without_metrics_dir_write_nothing()
    {
        await Observer().RunFinishedAsync(_config, new RunResult("data1", RunOutcome.Succeeded) { DryRun = true }, [], CancellationToken.None);
        Assert.That(File.Exists(Path.Combine(_dir, MetricsFile.FileName)), Is.False);

        _configs = Configs(null, _config);
        await Observer().RunFinishedAsync(_config, new RunResult("data1", RunOutcome.Succeeded), [], CancellationToken.None);
        Assert.That(File.Exists(Path.Combine(_dir, MetricsFile.FileName)), Is.False);
    }

    [Test]
    public async Task A_run_with_another_configuration_keeps_the_other_sections_and_a_locked_run_changes_nothing()
    {
        var other = new BackupConfig { Name = "data2", Source = "/src2", Backups = _dir };
        _configs = Configs(_dir, _config, other);
        await Observer().RunFinishedAsync(other, new RunResult("data2", RunOutcome.Succeeded) { Finished = Finished }, [], CancellationToken.None);
        // A command run with -c of a file that has only data1 (the daemon's data2 is not in it).
        _configs = Configs(_dir, _config);
        await Observer().RunFinishedAsync(_config, new RunResult("data1", RunOutcome.Succeeded) { Finished = Finished }, [], CancellationToken.None);
        var before = File.ReadAllText(Path.Combine(_dir, MetricsFile.FileName));

        await Observer().RunFinishedAsync(_config, new RunResult("data1", RunOutcome.Failed)
        {
            Finished = Finished.AddHours(1),
            Error = new VolumeLockedException("data1", 4242),
        }, [], CancellationToken.None);

        Assert.That(new MetricsFile(_dir).Read().Keys, Is.EquivalentTo(new[] { "data1", "data2" }));
        Assert.That(File.ReadAllText(Path.Combine(_dir, MetricsFile.FileName)), Is.EqualTo(before), "a run refused by the lock did not run");
    }

    [Test]
    public async Task A_missing_metrics_dir_is_one_warning()
    {
        _configs = Configs(Path.Combine(_dir, "missing"), _config);

        await Observer().RunFinishedAsync(_config, new RunResult("data1", RunOutcome.Succeeded), [], CancellationToken.None);

        _logger.Verify(l => l.Log(LogLevel.Warning, It.IsAny<EventId>(), It.Is<It.IsAnyType>((v, _) => v.ToString()!.Contains("missing")),
            It.IsAny<Exception?>(), It.IsAny<Func<It.IsAnyType, Exception?, string>>()), Times.Once);
    }

    [Test]
    public void The_daemons_start_takes_what_the_file_lacks_from_the_state_and_drops_unconfigured_sections()
    {
        var data2 = new BackupConfig { Name = "data2", Source = "/src2", Backups = _dir };
        _configs = Configs(_dir, _config, data2);
        new MetricsFile(_dir).Update(s =>
        {
            s["data1"] = new SectionMetrics("data1") { LastAttempt = Finished.ToUnixTimeSeconds(), LastOutcome = "failed", Pruned = 3 };
            s["gone"] = new SectionMetrics("gone") { Snapshots = 1 };
        });
        var states = new Dictionary<string, SectionState>
        {
            // data1: the file knows a later run than the state; data2: a run the daemon never saw end.
            ["data1"] = new() { LastStart = Finished.AddHours(-1), LastSuccess = Finished.AddHours(-1), LastOutcome = "ok" },
            ["data2"] = new() { LastStart = Finished, LastSuccess = Finished.AddDays(-40), LastOutcome = RunOutcomeText.Running },
        };

        Observer().RefreshAll(states.GetValueOrDefault);

        var sections = new MetricsFile(_dir).Read();
        Assert.That(sections.Keys, Is.EquivalentTo(new[] { "data1", "data2" }));
        Assert.That(sections["data1"].LastOutcome, Is.EqualTo("failed"), "the file's later run");
        Assert.That(sections["data1"].Pruned, Is.EqualTo(3));
        Assert.That(sections["data1"].LastSuccess, Is.EqualTo(Finished.ToUnixTimeSeconds() - 5), "the newest snapshot is later than the state's success");
        Assert.That(sections["data2"].LastOutcome, Is.EqualTo("interrupted"), "still running in the state: it never ended");
        Assert.That(sections["data2"].LastAttempt, Is.EqualTo(Finished.ToUnixTimeSeconds()));
        Assert.That(sections["data2"].Copies, Is.Empty, "no copy_to");
    }
}
