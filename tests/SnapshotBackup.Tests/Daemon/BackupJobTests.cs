using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using Quartz;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Engine;
using SnapshotBackup.Core.Runs;
using SnapshotBackup.Daemon.Jobs;
using SnapshotBackup.Daemon.State;
using SnapshotBackup.Tests.Unit.Runs;

namespace SnapshotBackup.Tests.Daemon;

/// <summary>The daemon's backup job with the engine, notifier and recorder faked and a Quartz context mocked: no root.</summary>
public class BackupJobTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private FakeClock _clock = null!;
    private DaemonParts _parts = null!;
    private RunGate _gate = null!;
    private Mock<IBackupEngine> _engine = null!;
    private Mock<IRunRecorder> _recorder = null!;
    private Mock<IRunNotifier> _notifier = null!;

    [SetUp]
    public void SetUp()
    {
        _clock = new FakeClock(Now);
        _parts = new DaemonParts(_clock, "data1");
        _gate = new RunGate(2);
        _engine = new Mock<IBackupEngine>();
        _engine.Setup(e => e.BackupAsync(It.IsAny<BackupConfig>(), It.IsAny<BackupRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => new BackupStepResult { SnapshotName = "2026-03-01T12:00:00+00:00", BytesTransferred = 10 });
        _recorder = new Mock<IRunRecorder>();
        _notifier = new Mock<IRunNotifier>();
    }

    [TearDown]
    public void TearDown()
    {
        _gate.Dispose();
        _parts.Dispose();
    }

    private BackupJob Job()
    {
        var lifetime = new Mock<IHostApplicationLifetime>();
        lifetime.SetupGet(l => l.ApplicationStopping).Returns(CancellationToken.None);
        var runs = new BackupRunService(_engine.Object, _notifier.Object, _recorder.Object, _clock, NullLogger.Instance);
        return new BackupJob(_parts.Configs, runs, _gate, _recorder.Object, _parts.Status, lifetime.Object, new RunningSections(),
            new SnapshotBackup.Daemon.Journal.SourceJournals(NullLogger<SnapshotBackup.Daemon.Journal.SourceJournals>.Instance), NullLogger<BackupJob>.Instance);
    }

    private static IJobExecutionContext Context(string section, DateTimeOffset? due, string group = JobKeys.BackupGroup)
    {
        var trigger = new Mock<ITrigger>();
        trigger.SetupGet(t => t.Key).Returns(new TriggerKey(section, group));
        var context = new Mock<IJobExecutionContext>();
        context.SetupGet(c => c.MergedJobDataMap).Returns(new JobDataMap { [JobKeys.SectionKey] = section });
        context.SetupGet(c => c.Trigger).Returns(trigger.Object);
        context.SetupGet(c => c.ScheduledFireTimeUtc).Returns(due);
        return context.Object;
    }

    [Test]
    public async Task A_run_is_skipped_when_a_backup_finished_after_it_was_due()
    {
        _recorder.Setup(r => r.LastSuccess("data1")).Returns(Now.AddMinutes(1));

        await Job().Execute(Context("data1", Now), CancellationToken.None);

        _engine.Verify(e => e.BackupAsync(It.IsAny<BackupConfig>(), It.IsAny<BackupRequest>(), It.IsAny<CancellationToken>()), Times.Never);
        _recorder.Verify(r => r.Started(It.IsAny<string>(), It.IsAny<DateTimeOffset>()), Times.Never);
    }

    [Test]
    public async Task A_run_whose_last_success_is_older_than_its_due_time_backs_up_and_records_through_the_recorder()
    {
        _recorder.Setup(r => r.LastSuccess("data1")).Returns(Now.AddHours(-1));

        await Job().Execute(Context("data1", Now), CancellationToken.None);

        _recorder.Verify(r => r.Started("data1", Now), Times.Once);
        _recorder.Verify(r => r.Finished(It.Is<RunResult>(x => x.Section == "data1" && x.Outcome == RunOutcome.Succeeded
                                                             && x.SnapshotName == "2026-03-01T12:00:00+00:00")), Times.Once);
        _engine.Verify(e => e.BackupAsync(It.IsAny<BackupConfig>(), It.Is<BackupRequest>(r => r.LockWait == BackupJob.LockWait), It.IsAny<CancellationToken>()),
            Times.Once);
        Assert.That(_parts.Notified, Does.Contain("STATUS=backing up data1"));
        Assert.That(_parts.Notified[^1], Does.Not.Contain("backing up"), "the status line forgets the run when it ends");
    }

    [Test]
    public async Task A_skipped_run_is_recorded_and_the_job_itself_does_not_fail()
    {
        _engine.Setup(e => e.BackupAsync(It.IsAny<BackupConfig>(), It.IsAny<BackupRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new SourceUnavailableException("source /src/data1 does not exist"));

        await Job().Execute(Context("data1", Now), CancellationToken.None);

        _recorder.Verify(r => r.Finished(It.Is<RunResult>(x => x.Outcome == RunOutcome.Skipped)), Times.Once);
    }

    [Test]
    public async Task A_run_for_a_section_that_a_reload_removed_does_nothing()
    {
        await Job().Execute(Context("gone", Now), CancellationToken.None);

        _engine.VerifyNoOtherCalls();
        _recorder.VerifyNoOtherCalls();
    }

    [Test]
    public void A_job_reads_its_section_from_its_data()
    {
        Assert.That(Context("data1", null).Section(), Is.EqualTo("data1"));
    }
}
