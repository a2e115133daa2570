using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using Quartz;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Engine;
using SnapshotBackup.Core.Volume;
using SnapshotBackup.Daemon.Jobs;
using SnapshotBackup.Daemon.Scheduling;
using SnapshotBackup.Tests.Unit.Runs;

namespace SnapshotBackup.Tests.Daemon;

/// <summary>The registrar against an in-memory Quartz scheduler that is never started, with the engine faked: no root.</summary>
public class JobRegistrarTests
{
    private FakeClock _clock = null!;
    private DaemonParts _parts = null!;
    private Mock<IBackupEngine> _engine = null!;
    private IScheduler _scheduler = null!;

    [SetUp]
    public async Task SetUp()
    {
        var now = DateTimeOffset.UtcNow;
        _clock = new FakeClock(now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond)));
        _parts = new DaemonParts(_clock, "data1", "data2");
        _engine = new Mock<IBackupEngine>();
        _scheduler = await QuartzSchedulerBuilder.Create(q => q.ConfigureScheduler(o => o.InstanceName = "registrar-test-" + Guid.NewGuid().ToString("N")))
            .BuildScheduler();
    }

    [TearDown]
    public async Task TearDown()
    {
        await _scheduler.Shutdown();
        _parts.Dispose();
    }

    private JobRegistrar Registrar() =>
        new(_parts.Configs, _engine.Object, _parts.State, _parts.Volumes, _parts.Status, _clock, NullLogger<JobRegistrar>.Instance);

    private void NewestBackup(string section, DateTimeOffset? newest) =>
        _engine.Setup(e => e.NewestBackup(It.Is<BackupConfig>(c => c.Name == section))).Returns(newest);

    private async Task<bool> CatchingUp(string section) => await _scheduler.Exists(JobKeys.CatchUp(section));

    [Test]
    public async Task Each_section_gets_a_backup_job_with_its_schedule_and_nothing_else()
    {
        NewestBackup("data1", _clock.GetUtcNow().AddMinutes(-10));
        NewestBackup("data2", _clock.GetUtcNow().AddMinutes(-10));

        await Registrar().SyncAsync(_scheduler, _parts.Configs.Current, null, CancellationToken.None);

        Assert.That(await _scheduler.GetJobGroupNames(), Is.EqualTo(new[] { JobKeys.BackupGroup }));
        Assert.That(await _scheduler.Exists(JobKeys.Backup("data1")), Is.True);
        Assert.That(await _scheduler.Exists(JobKeys.Backup("data2")), Is.True);
        var detail = await _scheduler.GetJobDetail(JobKeys.Backup("data1"));
        Assert.That(detail!.JobType.Type, Is.EqualTo(typeof(BackupJob)));
        Assert.That(detail.JobDataMap.GetString(JobKeys.SectionKey), Is.EqualTo("data1"));
        Assert.That(await _scheduler.Exists(JobKeys.Schedule("data2")), Is.True);
        Assert.That(_parts.State.Get("data1").Schedule, Is.EqualTo("hourly"));
        Assert.That(_parts.State.Get("data1").NextRun, Is.Not.Null);
    }

    [Test]
    public async Task A_section_whose_newest_backup_is_younger_than_one_interval_is_not_caught_up()
    {
        NewestBackup("data1", _clock.GetUtcNow().AddMinutes(-10));
        NewestBackup("data2", _clock.GetUtcNow().AddMinutes(-10));

        await Registrar().SyncAsync(_scheduler, _parts.Configs.Current, null, CancellationToken.None);

        Assert.That(await CatchingUp("data1"), Is.False);
        Assert.That(await CatchingUp("data2"), Is.False);
    }

    [Test]
    public async Task A_section_that_missed_a_scheduled_run_or_has_no_backup_is_caught_up_once()
    {
        NewestBackup("data1", _clock.GetUtcNow().AddHours(-2));
        NewestBackup("data2", null);
        var registrar = Registrar();

        await registrar.SyncAsync(_scheduler, _parts.Configs.Current, null, CancellationToken.None);
        await registrar.CatchUpAllAsync(_scheduler, _parts.Configs.Current, CancellationToken.None);

        Assert.That(await CatchingUp("data1"), Is.True);
        Assert.That(await CatchingUp("data2"), Is.True);
        var trigger = await _scheduler.GetTrigger(JobKeys.CatchUp("data1"));
        Assert.That(trigger!.JobKey, Is.EqualTo(JobKeys.Backup("data1")));
    }

    [Test]
    public async Task A_volume_that_cannot_be_read_falls_back_to_the_state_and_is_remembered_as_unavailable()
    {
        NewestBackup("data2", _clock.GetUtcNow().AddMinutes(-10));
        _engine.Setup(e => e.NewestBackup(It.Is<BackupConfig>(c => c.Name == "data1"))).Throws(new VolumeUnavailableException("/nonexistent/data1 does not exist"));
        _parts.State.Update("data1", s => s with { LastSuccess = _clock.GetLocalNow().AddMinutes(-10) });

        await Registrar().SyncAsync(_scheduler, _parts.Configs.Current, null, CancellationToken.None);

        Assert.That(await CatchingUp("data1"), Is.False);
        Assert.That(_parts.Volumes.WasUnavailable("data1"), Is.True);
        Assert.That(_parts.Volumes.WasUnavailable("data2"), Is.False);
    }

    [Test]
    public async Task A_reload_that_removes_a_section_removes_its_job_and_catches_up_the_one_it_adds()
    {
        NewestBackup("data1", _clock.GetUtcNow().AddMinutes(-10));
        NewestBackup("data2", _clock.GetUtcNow().AddMinutes(-10));
        NewestBackup("data3", null);
        var registrar = Registrar();
        await registrar.SyncAsync(_scheduler, _parts.Configs.Current, null, CancellationToken.None);
        var previous = _parts.Configs.Current;
        var next = DaemonParts.Config("data1", "data3");
        _parts.Configs.Replace(next);

        await registrar.SyncAsync(_scheduler, next, previous, CancellationToken.None);

        Assert.That(await _scheduler.Exists(JobKeys.Backup("data2")), Is.False);
        Assert.That(await _scheduler.Exists(JobKeys.Backup("data3")), Is.True);
        Assert.That(await CatchingUp("data3"), Is.True);
        Assert.That(await CatchingUp("data1"), Is.False);
    }
}
