using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Copies;
using SnapshotBackup.Core.Engine;
using SnapshotBackup.Core.Rsync;
using SnapshotBackup.Core.Runs;
using SnapshotBackup.Core.Time;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Tests.Unit.Runs;

/// <summary>The one run path, with the engine, the notifier, the recorder and the clock faked: no root, no btrfs.</summary>
public class BackupRunServiceTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private const string Snapshot = "2026-03-01T12:00:05+00:00";

    private static readonly BackupConfig Config = new()
    {
        Name = "data1",
        Source = "/src",
        Backups = "/backups",
        AutoDecay = true,
        AutoPrune = true,
        SilentFailThreshold = new Duration(3, DurationUnit.Day),
    };

    private FakeClock _clock = null!;
    private Mock<IBackupEngine> _engine = null!;
    private Mock<IRunNotifier> _notifier = null!;
    private Mock<IRunRecorder> _recorder = null!;
    private BackupStepResult _step = null!;
    private List<string> _steps = null!;

    [SetUp]
    public void SetUp()
    {
        _clock = new FakeClock(Start);
        _steps = [];
        _step = new BackupStepResult { SnapshotName = Snapshot, BytesTransferred = 4096 };
        _engine = new Mock<IBackupEngine>(MockBehavior.Strict);
        _engine.Setup(e => e.BackupAsync(It.IsAny<BackupConfig>(), It.IsAny<BackupRequest>(), It.IsAny<CancellationToken>()))
            .Returns(() =>
            {
                _steps.Add("backup");
                _clock.Advance(TimeSpan.FromSeconds(5));
                return Task.FromResult(_step);
            });
        _engine.Setup(e => e.DeleteCandidates(Config, _step, true)).Returns(() => Deleted("decay", "2024-01-01T00:00:00+00:00"));
        _engine.Setup(e => e.DeleteCandidates(Config, _step, false)).Returns(() => Deleted("prune", "2026-02-27T10:00:00+00:00"));
        _engine.Setup(e => e.NewestBackup(Config)).Returns(Start.AddDays(-1));
        _notifier = new Mock<IRunNotifier>();
        _notifier.Setup(n => n.NotifyRunAsync(It.IsAny<BackupConfig>(), It.IsAny<RunOutcome>(), It.IsAny<string?>(), It.IsAny<DateTimeOffset?>(),
                It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .Callback(() => _steps.Add("notify"))
            .Returns(Task.CompletedTask);
        _recorder = new Mock<IRunRecorder>();
        _recorder.Setup(r => r.Finished(It.IsAny<RunResult>())).Callback(() => _steps.Add("record"));
    }

    private DeleteOutcome Deleted(string step, string name)
    {
        _steps.Add(step);
        return new DeleteOutcome([name], [], []);
    }

    private BackupRunService Service() => new(_engine.Object, _notifier.Object, _recorder.Object, _clock, NullLogger.Instance);

    private void BackupThrows(Exception e) =>
        _engine.Setup(x => x.BackupAsync(It.IsAny<BackupConfig>(), It.IsAny<BackupRequest>(), It.IsAny<CancellationToken>())).ThrowsAsync(e);

    private void VerifyNotified(RunOutcome outcome, string? detail, DateTimeOffset? lastSuccess, Times times) =>
        _notifier.Verify(n => n.NotifyRunAsync(Config, outcome, detail, lastSuccess, It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), times);

    private void VerifyFailureNotified(Times times) =>
        _notifier.Verify(n => n.NotifyRunAsync(Config, RunOutcome.Failed, It.IsAny<string?>(), It.IsAny<DateTimeOffset?>(), It.IsAny<DateTimeOffset>(),
            It.IsAny<CancellationToken>()), times);

    [Test]
    public async Task A_successful_run_backs_up_then_decays_then_prunes_then_records_then_notifies()
    {
        var result = await Service().RunAsync(Config, new BackupRequest(), CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(RunOutcome.Succeeded));
        Assert.That(_steps, Is.EqualTo(new[] { "backup", "decay", "prune", "record", "notify" }));
        Assert.That(result.SnapshotName, Is.EqualTo(Snapshot));
        Assert.That(result.BytesTransferred, Is.EqualTo(4096));
        Assert.That(result.Decayed, Is.EqualTo(new[] { "2024-01-01T00:00:00+00:00" }));
        Assert.That(result.Pruned, Is.EqualTo(new[] { "2026-02-27T10:00:00+00:00" }));
        Assert.That(result.Duration, Is.EqualTo(TimeSpan.FromSeconds(5)));
        Assert.That(result.Error, Is.Null);
        _recorder.Verify(r => r.Started("data1", Start), Times.Once);
        _recorder.Verify(r => r.Finished(It.Is<RunResult>(x => x.Outcome == RunOutcome.Succeeded && x.Finished == Start.AddSeconds(5))), Times.Once);
        VerifyNotified(RunOutcome.Succeeded, Snapshot, null, Times.Once());
    }

    [Test]
    public async Task What_min_free_deleted_is_in_the_result_and_in_the_notification_with_each_reason()
    {
        _step = new BackupStepResult
        {
            SnapshotName = Snapshot,
            MinFreeDeleted =
            [
                new("2025-01-01T10:05:00+00:00", Core.Retention.FreeSpaceReason.PruneCandidate),
                new("2025-01-01T10:00:00+00:00", Core.Retention.FreeSpaceReason.OldestKept),
            ],
        };
        _engine.Setup(e => e.DeleteCandidates(Config, _step, It.IsAny<bool>())).Returns(new DeleteOutcome([], [], []));

        var result = await Service().RunAsync(Config, new BackupRequest(), CancellationToken.None);

        Assert.That(result.MinFreeDeleted.Select(d => d.Name), Is.EqualTo(new[] { "2025-01-01T10:05:00+00:00", "2025-01-01T10:00:00+00:00" }));
        VerifyNotified(RunOutcome.Succeeded,
            Snapshot + "; min_free deleted 2025-01-01T10:05:00+00:00 (prune candidate), 2025-01-01T10:00:00+00:00 (oldest kept by retention)",
            null, Times.Once());
    }

    [Test]
    public async Task Autodecay_and_autoprune_run_only_when_configured()
    {
        var config = Config with { AutoDecay = false, AutoPrune = false };

        var result = await Service().RunAsync(config, new BackupRequest(), CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(RunOutcome.Succeeded));
        Assert.That(_steps, Is.EqualTo(new[] { "backup", "record", "notify" }));
    }

    [Test]
    public async Task A_failing_autodecay_leaves_the_run_succeeded_and_autoprune_still_runs()
    {
        _engine.Setup(e => e.DeleteCandidates(Config, _step, true)).Throws(new IOException("cannot list"));

        var result = await Service().RunAsync(Config, new BackupRequest(), CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(RunOutcome.Succeeded));
        Assert.That(result.RetentionError?.Message, Is.EqualTo("cannot list"));
        Assert.That(_steps, Is.EqualTo(new[] { "backup", "prune", "record", "notify" }));
    }

    [Test]
    public async Task A_deletion_autoprune_could_not_do_is_the_runs_retention_error_with_its_message()
    {
        _engine.Setup(e => e.DeleteCandidates(Config, _step, false)).Returns(new DeleteOutcome([], [], [])
        {
            Failed = ["2026-02-27T10:00:00+00:00 (not permitted)"],
            Failure = "cannot delete /backups/2026-02-27T10:00:00+00:00: user foo may not ...",
        });

        var result = await Service().RunAsync(Config, new BackupRequest(), CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(RunOutcome.Succeeded), "the snapshot is taken");
        Assert.That(result.RetentionError, Is.InstanceOf<OperationFailedException>());
        Assert.That(result.RetentionError!.Message, Does.StartWith("cannot delete /backups/2026-02-27T10:00:00+00:00: user foo may not"));
        Assert.That(result.Pruned, Is.Empty);
        Assert.That(result.Decayed, Is.EqualTo(new[] { "2024-01-01T00:00:00+00:00" }));
    }

    [Test]
    public async Task A_source_that_is_unavailable_skips_the_run_and_is_notified_once_the_last_success_is_older_than_the_threshold()
    {
        BackupThrows(new SourceUnavailableException("source /src does not exist"));
        _engine.Setup(e => e.NewestBackup(Config)).Returns(Start.AddDays(-4));

        var result = await Service().RunAsync(Config, new BackupRequest(), CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(RunOutcome.Skipped));
        Assert.That(result.ErrorMessage, Is.EqualTo("source /src does not exist"));
        Assert.That(result.ErrorKind, Is.EqualTo(nameof(SourceUnavailableException)));
        _recorder.Verify(r => r.Finished(It.Is<RunResult>(x => x.Outcome == RunOutcome.Skipped)), Times.Once);
        VerifyNotified(RunOutcome.Skipped, "source /src does not exist", Start.AddDays(-4), Times.Once());
        _engine.Verify(e => e.DeleteCandidates(It.IsAny<BackupConfig>(), It.IsAny<BackupStepResult>(), It.IsAny<bool>()), Times.Never);
    }

    [Test]
    public async Task The_last_success_comes_from_the_record_when_the_volume_cannot_be_read()
    {
        BackupThrows(new VolumeUnavailableException("/backups is not mounted"));
        _engine.Setup(e => e.NewestBackup(Config)).Throws(new VolumeUnavailableException("/backups is not mounted"));
        _recorder.Setup(r => r.LastSuccess("data1")).Returns(Start.AddHours(-2));

        var result = await Service().RunAsync(Config, new BackupRequest(), CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(RunOutcome.Skipped));
        VerifyNotified(RunOutcome.Skipped, "/backups is not mounted", Start.AddHours(-2), Times.Once());
    }

    [Test]
    public async Task An_rsync_failure_fails_the_run_and_keeps_the_exception_for_the_command()
    {
        var error = new RsyncException(23, "some files could not be transferred");
        BackupThrows(error);

        var result = await Service().RunAsync(Config, new BackupRequest(), CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(RunOutcome.Failed));
        Assert.That(result.Error, Is.SameAs(error));
        Assert.That(result.SnapshotName, Is.Null);
        _recorder.Verify(r => r.Finished(It.Is<RunResult>(x => x.Outcome == RunOutcome.Failed)), Times.Once);
        VerifyNotified(RunOutcome.Failed, error.Message, Start.AddDays(-1), Times.Once());
    }

    [Test]
    public async Task A_cancelled_run_is_interrupted_and_recorded()
    {
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();
        BackupThrows(new OperationCanceledException(cancellation.Token));

        var result = await Service().RunAsync(Config, new BackupRequest(), cancellation.Token);

        Assert.That(result.Outcome, Is.EqualTo(RunOutcome.Interrupted));
        _recorder.Verify(r => r.Finished(It.Is<RunResult>(x => x.Outcome == RunOutcome.Interrupted)), Times.Once);
        // Never notified: the notifier is asked about nothing but an interruption, which its policy keeps silent.
        _notifier.Verify(n => n.NotifyRunAsync(It.IsAny<BackupConfig>(), It.IsNotIn(RunOutcome.Interrupted), It.IsAny<string?>(),
            It.IsAny<DateTimeOffset?>(), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Test]
    public async Task A_cancellation_nobody_asked_for_is_a_failure()
    {
        BackupThrows(new OperationCanceledException("a timeout inside"));

        var result = await Service().RunAsync(Config, new BackupRequest(), CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(RunOutcome.Failed));
    }

    [Test]
    public async Task A_failing_notification_never_changes_the_outcome()
    {
        _notifier.Setup(n => n.NotifyRunAsync(It.IsAny<BackupConfig>(), It.IsAny<RunOutcome>(), It.IsAny<string?>(), It.IsAny<DateTimeOffset?>(),
                It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new InvalidOperationException("no session bus"));

        var result = await Service().RunAsync(Config, new BackupRequest(), CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(RunOutcome.Succeeded));
        Assert.That(result.Error, Is.Null);
    }

    [Test]
    public async Task A_dry_run_deletes_nothing_and_neither_records_nor_notifies()
    {
        _step = new BackupStepResult { Changes = [">f+++++++++ a"] };

        var result = await Service().RunAsync(Config, new BackupRequest { DryRun = true }, CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(RunOutcome.Succeeded));
        Assert.That(result.Changes, Is.EqualTo(new[] { ">f+++++++++ a" }));
        Assert.That(_steps, Is.EqualTo(new[] { "backup" }));
        _recorder.Verify(r => r.Started(It.IsAny<string>(), It.IsAny<DateTimeOffset>()), Times.Never);
    }

    [Test]
    public async Task A_command_that_finds_the_volume_locked_is_not_notified_but_a_daemon_run_that_waited_is()
    {
        BackupThrows(new VolumeLockedException("data1", 4242));

        var command = await Service().RunAsync(Config, new BackupRequest(), CancellationToken.None);
        VerifyFailureNotified(Times.Never());
        var daemon = await Service().RunAsync(Config, new BackupRequest { LockWait = TimeSpan.FromHours(2) }, CancellationToken.None);

        Assert.That(command.Outcome, Is.EqualTo(RunOutcome.Failed));
        Assert.That(daemon.Outcome, Is.EqualTo(RunOutcome.Failed));
        VerifyFailureNotified(Times.Once());
    }

    [Test]
    public async Task The_keep_awake_lock_is_held_during_the_backup_and_released_after()
    {
        var held = new Mock<IAsyncDisposable>();
        held.Setup(h => h.DisposeAsync()).Callback(() => _steps.Add("awake released")).Returns(ValueTask.CompletedTask);
        var service = new BackupRunService(_engine.Object, _notifier.Object, _recorder.Object, _clock, NullLogger.Instance)
        {
            KeepAwake = (name, _) =>
            {
                _steps.Add("awake " + name);
                return Task.FromResult(held.Object);
            },
        };

        await service.RunAsync(Config, new BackupRequest(), CancellationToken.None);

        Assert.That(_steps, Is.EqualTo(new[] { "awake data1", "backup", "decay", "prune", "awake released", "record", "notify" }));
    }

    [Test]
    public async Task The_step_after_the_snapshot_runs_under_the_backups_lock_then_retention_then_record_and_notify()
    {
        var held = new Mock<IDisposable>();
        held.Setup(h => h.Dispose()).Callback(() => _steps.Add("lock released"));
        _step = new BackupStepResult { SnapshotName = Snapshot, Lock = held.Object };
        _engine.Setup(e => e.DeleteCandidates(Config, _step, true)).Returns(() => Deleted("decay", "2024-01-01T00:00:00+00:00"));
        _engine.Setup(e => e.DeleteCandidates(Config, _step, false)).Returns(() => Deleted("prune", "2026-02-27T10:00:00+00:00"));
        BackupStepResult? given = null;

        var result = await Service().RunAsync(Config, new BackupRequest
        {
            AfterSnapshot = (backup, _) =>
            {
                given = backup;
                _steps.Add("step");
                return Task.CompletedTask;
            },
        }, CancellationToken.None);

        Assert.That(_steps, Is.EqualTo(new[] { "backup", "step", "decay", "prune", "lock released", "record", "notify" }));
        Assert.That(given?.SnapshotName, Is.EqualTo(Snapshot), "the step is given the backup's result");
        Assert.That(result.StepError, Is.Null);
    }

    [Test]
    public async Task A_run_before_a_restore_skips_autodecay_and_autoprune_so_retention_cannot_delete_what_is_restored_from()
    {
        var result = await Service().RunAsync(Config, new BackupRequest
        {
            BeforeRestore = "docs from 2026-02-01T00:00:00+00:00",
            AfterSnapshot = (_, _) =>
            {
                _steps.Add("restore");
                return Task.CompletedTask;
            },
        }, CancellationToken.None);

        Assert.That(Config.AutoDecay && Config.AutoPrune, Is.True, "both are configured");
        Assert.That(_steps, Is.EqualTo(new[] { "backup", "restore", "record", "notify" }));
        Assert.That(result.Outcome, Is.EqualTo(RunOutcome.Succeeded));
        Assert.That(result.Decayed, Is.Empty);
        Assert.That(result.Pruned, Is.Empty);
        VerifyNotified(RunOutcome.Succeeded, Snapshot, null, Times.Once());
    }

    [Test]
    public async Task A_failing_step_is_the_runs_step_error_and_the_backup_still_succeeded()
    {
        var result = await Service().RunAsync(Config, new BackupRequest
        {
            BeforeRestore = "docs from 2026-02-01T00:00:00+00:00",
            AfterSnapshot = (_, _) => throw new IOException("rsync failed"),
        }, CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(RunOutcome.Succeeded), "the snapshot is taken");
        Assert.That(result.SnapshotName, Is.EqualTo(Snapshot));
        Assert.That(result.StepError?.Message, Is.EqualTo("rsync failed"));
        Assert.That(result.Error, Is.Null);
        _recorder.Verify(r => r.Finished(It.Is<RunResult>(x => x.Outcome == RunOutcome.Succeeded)), Times.Once);
    }

    [Test]
    public async Task A_step_interrupted_by_the_cancellation_ends_up_in_the_result_too()
    {
        using var cancellation = new CancellationTokenSource();
        var result = await Service().RunAsync(Config, new BackupRequest
        {
            AfterSnapshot = (_, token) =>
            {
                cancellation.Cancel();
                token.ThrowIfCancellationRequested();
                return Task.CompletedTask;
            },
        }, cancellation.Token);

        Assert.That(result.StepError, Is.InstanceOf<OperationCanceledException>());
        Assert.That(result.SnapshotName, Is.EqualTo(Snapshot));
    }

    [Test]
    public async Task A_failed_backup_runs_no_step()
    {
        BackupThrows(new SourceUnavailableException("source /src does not exist"));
        var ran = false;

        var result = await Service().RunAsync(Config, new BackupRequest
        {
            AfterSnapshot = (_, _) =>
            {
                ran = true;
                return Task.CompletedTask;
            },
        }, CancellationToken.None);

        Assert.That(ran, Is.False);
        Assert.That(result.Outcome, Is.EqualTo(RunOutcome.Skipped));
    }

    [TestCase(RunOutcome.Succeeded, "ok")]
    [TestCase(RunOutcome.Skipped, "skipped")]
    [TestCase(RunOutcome.Failed, "failed")]
    [TestCase(RunOutcome.Interrupted, "interrupted")]
    public void Each_outcome_keeps_its_word_in_the_state_file(RunOutcome outcome, string text)
    {
        Assert.That(RunOutcomeText.ToText(outcome), Is.EqualTo(text));
        Assert.That(RunOutcomeText.Parse(text), Is.EqualTo(outcome));
        Assert.That(RunOutcomeText.Parse(RunOutcomeText.Running), Is.Null);
    }

    private static CopyTarget Target(string spec) => CopyTarget.TryParse(spec, out var t, out var e) ? t : throw new ArgumentException(e);

    private static BackupConfig WithCopies(params string[] targets) => Config with { CopyTo = targets.Select(Target).ToList() };

    private void CopyReturns(BackupConfig config, Func<CopyTarget, CopyReport> report)
    {
        _engine.Setup(e => e.DeleteCandidates(config, _step, true)).Returns(() => Deleted("decay", "2024-01-01T00:00:00+00:00"));
        _engine.Setup(e => e.DeleteCandidates(config, _step, false)).Returns(() => Deleted("prune", "2026-02-27T10:00:00+00:00"));
        _engine.Setup(e => e.CopyAsync(config, It.IsAny<CopyTarget>(), It.IsAny<CopyOptions>(), It.IsAny<CancellationToken>()))
            .Returns((BackupConfig _, CopyTarget t, CopyOptions _, CancellationToken _) =>
            {
                _steps.Add("copy " + t.Spec);
                return Task.FromResult(report(t));
            });
        _engine.Setup(e => e.CopyRecords(config)).Returns(new Dictionary<string, CopyRecord>
        {
            ["/mnt/b"] = new() { LastCopy = Start.AddDays(-1) },
        });
    }

    [Test]
    public async Task Copies_run_after_retention_for_each_target_in_order_and_a_failed_one_does_not_fail_the_backup()
    {
        var config = WithCopies("/mnt/a", "/mnt/b", "host:/c");
        CopyReturns(config, t => t.Spec switch
        {
            "/mnt/a" => new CopyReport(t) { Sent = [new SentCopy(Snapshot, null, 1000, TimeSpan.FromSeconds(1))] },
            "/mnt/b" => new CopyReport(t) { Error = new CopyTargetUnavailableException("/mnt/b is not mounted") },
            _ => new CopyReport(t) { Error = new OperationFailedException("btrfs receive: No space left on device") },
        });

        var result = await Service().RunAsync(config, new BackupRequest(), CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(RunOutcome.Succeeded));
        Assert.That(_steps, Is.EqualTo(new[] { "backup", "decay", "prune", "copy /mnt/a", "copy /mnt/b", "copy host:/c", "record", "notify", "notify", "notify" }));
        Assert.That(result.Copies.Select(c => c.Target.Spec), Is.EqualTo(new[] { "/mnt/a", "/mnt/b", "host:/c" }));
        _notifier.Verify(n => n.NotifyRunAsync(config, RunOutcome.Skipped, "copy to /mnt/b: /mnt/b is not mounted", Start.AddDays(-1),
            It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Once);
        _notifier.Verify(n => n.NotifyRunAsync(config, RunOutcome.Failed, "copy to host:/c: btrfs receive: No space left on device", null,
            It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Test]
    public async Task No_copies_with_a_copy_schedule_of_their_own_in_a_dry_run_before_a_restore_or_when_not_asked()
    {
        var scheduled = WithCopies("/mnt/a") with { CopySchedule = "daily" };
        CopyReturns(scheduled, t => new CopyReport(t));
        await Service().RunAsync(scheduled, new BackupRequest(), CancellationToken.None);
        var config = WithCopies("/mnt/a");
        CopyReturns(config, t => new CopyReport(t));
        await Service().RunAsync(config, new BackupRequest { DryRun = true }, CancellationToken.None);
        await Service().RunAsync(config, new BackupRequest { Copy = false }, CancellationToken.None);
        await Service().RunAsync(config, new BackupRequest { BeforeRestore = "docs from X" }, CancellationToken.None);
        Assert.That(_steps.Where(s => s.StartsWith("copy", StringComparison.Ordinal)), Is.Empty);
    }

    [Test]
    public async Task A_copy_interrupted_by_cancellation_leaves_the_backup_a_success()
    {
        var config = WithCopies("/mnt/a", "/mnt/b");
        using var cancel = new CancellationTokenSource();
        CopyReturns(config, t =>
        {
            cancel.Cancel();
            throw new OperationCanceledException(cancel.Token);
        });

        var result = await Service().RunAsync(config, new BackupRequest(), cancel.Token);

        Assert.That(result.Outcome, Is.EqualTo(RunOutcome.Succeeded));
        Assert.That(result.Copies.Select(c => c.Error), Is.All.InstanceOf<OperationCanceledException>());
        Assert.That(_steps.Count(s => s.StartsWith("copy", StringComparison.Ordinal)), Is.EqualTo(1), "no second target after the cancellation");
    }
}
