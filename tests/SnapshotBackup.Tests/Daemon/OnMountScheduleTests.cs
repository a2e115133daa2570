using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using Quartz;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Engine;
using SnapshotBackup.Core.Volume;
using SnapshotBackup.Daemon.Configuration;
using SnapshotBackup.Daemon.Jobs;
using SnapshotBackup.Daemon.Scheduling;
using SnapshotBackup.Tests.Unit.Runs;

namespace SnapshotBackup.Tests.Daemon;

/// <summary><c>schedule = on-mount</c> and <c>min_interval</c>: parsing, loading, and the registrar's job without a trigger.</summary>
public class OnMountScheduleTests
{
    private string _dir = null!;

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("sbonmount-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_dir, recursive: true);

    private string Write(string text)
    {
        var path = Path.Combine(_dir, "c.ini");
        File.WriteAllText(path, text);
        return path;
    }

    [TestCase("on-mount")]
    [TestCase(" On-Mount ")]
    public void On_mount_is_a_schedule_without_time_whose_next_run_is_min_interval_after_the_last(string text)
    {
        var schedule = ScheduleParser.Parse(text, minInterval: TimeSpan.FromMinutes(30));
        var last = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

        Assert.Multiple(() =>
        {
            Assert.That(schedule.OnMount, Is.True);
            Assert.That(schedule.CronExpression, Is.Null);
            Assert.That(schedule.Interval, Is.EqualTo(TimeSpan.FromMinutes(30)));
            Assert.That(schedule.NextAfter(last), Is.EqualTo(last.AddMinutes(30)));
            Assert.That(schedule.Description, Is.EqualTo("on-mount (at most every 30 minutes)"));
            Assert.That(() => schedule.BuildTrigger(new JobKey("a"), new TriggerKey("a"), last), Throws.InvalidOperationException);
        });
    }

    [Test]
    public void On_mount_defaults_to_one_hour_and_other_schedules_are_not_on_mount()
    {
        Assert.That(ScheduleParser.Parse("on-mount").Interval, Is.EqualTo(TimeSpan.FromHours(1)));
        Assert.That(ScheduleParser.Parse("on-mount").Description, Is.EqualTo("on-mount (at most every hour)"));
        Assert.That(ScheduleParser.Parse("hourly").OnMount, Is.False);
        Assert.That(ScheduleParser.Parse("every 2 hours").OnMount, Is.False);
    }

    [Test]
    public void The_accepted_forms_name_on_mount()
    {
        Assert.That(() => ScheduleParser.Parse("on mount"), Throws.TypeOf<FormatException>().With.Message.Contains("'on-mount'"));
    }

    [Test]
    public void Min_interval_comes_from_the_section_or_DEFAULT_and_defaults_to_one_hour()
    {
        var path = Write("[DEFAULT]\nmin_interval = 10 min\n[a]\nsource = /s\nbackups = /b/a\nschedule = on-mount\n"
            + "[b]\nsource = /s\nbackups = /b/b\nschedule = on-mount\nmin_interval = 2 days\n");
        var config = DaemonConfig.Load([path]);
        var plain = DaemonConfig.Load([Write("[c]\nsource = /s\nbackups = /b/c\nschedule = on-mount\n")]);

        Assert.Multiple(() =>
        {
            Assert.That(config.Find("a")!.MinInterval, Is.EqualTo(TimeSpan.FromMinutes(10)));
            Assert.That(config.Schedules["a"].NextAfter(DateTimeOffset.UnixEpoch), Is.EqualTo(DateTimeOffset.UnixEpoch.AddMinutes(10)));
            Assert.That(config.Find("b")!.MinInterval, Is.EqualTo(TimeSpan.FromDays(2)));
            Assert.That(config.Schedules["b"].Description, Is.EqualTo("on-mount (at most every 2 days)"));
            Assert.That(plain.Find("c")!.MinInterval, Is.EqualTo(TimeSpan.FromHours(1)));
        });
    }

    [TestCase("soon", "expected a time such as 30 s, 10 min or 2 hours (seconds, minutes, hours, days or weeks)")]
    [TestCase("0.5 s", "expected at least one second")]
    [TestCase("2 months", "expected a time such as 30 s, 10 min or 2 hours (seconds, minutes, hours, days or weeks)")]
    public void A_bad_min_interval_names_file_section_and_value(string value, string expected)
    {
        var path = Write($"[a]\nsource = /s\nbackups = /b\nschedule = on-mount\nmin_interval = {value}\n");

        Assert.That(() => DaemonConfig.Load([path]), Throws.TypeOf<ConfigException>().With.Message.EqualTo($"{path}: [a] min_interval = '{value}': {expected}"));
    }

    [Test]
    public void A_copy_schedule_cannot_be_on_mount()
    {
        var path = Write("[a]\nsource = /s\nbackups = /b\ncopy_to = /c\ncopy_schedule = on-mount\n");

        Assert.That(() => DaemonConfig.Load([path]), Throws.TypeOf<ConfigException>().With.Message.Contains("on-mount is for schedule only"));
    }

    [Test]
    public async Task The_registrar_stores_an_on_mount_job_without_trigger_and_catches_up_only_when_the_volume_is_there()
    {
        var now = DateTimeOffset.UtcNow;
        var clock = new FakeClock(now.AddTicks(-(now.Ticks % TimeSpan.TicksPerSecond)));
        using var parts = new DaemonParts(clock, "data1", "data2");
        var hourly = parts.Configs.Current;
        var onMount = new DaemonConfig(hourly.Set, hourly.Set.Backups.Keys.ToDictionary(k => k, _ => BackupSchedule.WhenMounted(TimeSpan.FromHours(1)), StringComparer.OrdinalIgnoreCase));
        parts.Configs.Replace(onMount);
        var engine = new Mock<IBackupEngine>();
        // data1: plugged in, no backup yet; data2: unplugged.
        engine.Setup(e => e.NewestBackup(It.Is<BackupConfig>(c => c.Name == "data1"))).Returns((DateTimeOffset?)null);
        engine.Setup(e => e.NewestBackup(It.Is<BackupConfig>(c => c.Name == "data2"))).Throws(new VolumeUnavailableException("/nonexistent/data2 does not exist"));
        var scheduler = await QuartzSchedulerBuilder.Create(q => q.ConfigureScheduler(o => o.InstanceName = "onmount-test-" + Guid.NewGuid().ToString("N"))).BuildScheduler();
        try
        {
            var registrar = new JobRegistrar(parts.Configs, engine.Object, parts.State, parts.Volumes, parts.Status, clock, NullLogger<JobRegistrar>.Instance);
            await registrar.SyncAsync(scheduler, onMount, null, CancellationToken.None);

            Assert.Multiple(async () =>
            {
                Assert.That(await scheduler.Exists(JobKeys.Backup("data1")), Is.True);
                Assert.That(await scheduler.Exists(JobKeys.Schedule("data1")), Is.False);
                Assert.That(await scheduler.Exists(JobKeys.CatchUp("data1")), Is.True);
                Assert.That(await scheduler.Exists(JobKeys.Backup("data2")), Is.True);
                Assert.That(await scheduler.Exists(JobKeys.CatchUp("data2")), Is.False);
                Assert.That(parts.State.Get("data2").NextRun, Is.Null);
            });

            // Back to hourly on a reload: the trigger comes back.
            await registrar.SyncAsync(scheduler, hourly, onMount, CancellationToken.None);
            Assert.That(await scheduler.Exists(JobKeys.Schedule("data2")), Is.True);
            // And to on-mount again: it goes.
            await registrar.SyncAsync(scheduler, onMount, hourly, CancellationToken.None);
            Assert.That(await scheduler.Exists(JobKeys.Schedule("data2")), Is.False);
            Assert.That(await scheduler.Exists(JobKeys.Backup("data2")), Is.True);
        }
        finally
        {
            await scheduler.Shutdown();
        }
    }
}
