using Quartz;
using SnapshotBackup.Daemon.Scheduling;

namespace SnapshotBackup.Tests.Daemon;

public class BackupScheduleTests
{
    private static readonly DateTimeOffset Saturday = new(2026, 1, 10, 10, 20, 30, TimeSpan.Zero);

    private static BackupSchedule Utc(string text) => ScheduleParser.Parse(text, TimeZoneInfo.Utc);

    [TestCase("hourly", "2026-01-10T11:00:00+00:00")]
    [TestCase("daily", "2026-01-11T00:00:00+00:00")]
    [TestCase("weekly", "2026-01-12T00:00:00+00:00")]
    [TestCase("every 15 minutes", "2026-01-10T10:35:30+00:00")]
    [TestCase("every 2 days", "2026-01-12T10:20:30+00:00")]
    [TestCase("*/15 9-17 * * 1-5", "2026-01-12T09:00:00+00:00")]
    [TestCase("0 3 * * 0", "2026-01-11T03:00:00+00:00")]
    [TestCase("0 3 * * 7", "2026-01-11T03:00:00+00:00")]
    [TestCase("*/5 * * * * ?", "2026-01-10T10:20:35+00:00")]
    public void NextAfter_returns_the_first_scheduled_time_after_the_given_one(string text, string expected) =>
        Assert.That(Utc(text).NextAfter(Saturday), Is.EqualTo(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture)));

    [Test]
    public void NextAfter_is_strictly_after_a_scheduled_time()
    {
        var midnight = new DateTimeOffset(2026, 1, 10, 0, 0, 0, TimeSpan.Zero);

        Assert.That(Utc("daily").NextAfter(midnight), Is.EqualTo(midnight.AddDays(1)));
        Assert.That(Utc("daily").NextAfter(midnight.AddMilliseconds(-1)), Is.EqualTo(midnight));
    }

    [Test]
    public void NextAfter_for_cron_follows_the_schedule_time_zone_across_daylight_saving_changes()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var daily = ScheduleParser.Parse("daily", berlin);

        Assert.Multiple(() =>
        {
            Assert.That(daily.NextAfter(new DateTimeOffset(2026, 3, 28, 12, 0, 0, TimeSpan.FromHours(1))),
                Is.EqualTo(new DateTimeOffset(2026, 3, 29, 0, 0, 0, TimeSpan.FromHours(1))));
            Assert.That(daily.NextAfter(new DateTimeOffset(2026, 3, 29, 12, 0, 0, TimeSpan.FromHours(2))),
                Is.EqualTo(new DateTimeOffset(2026, 3, 30, 0, 0, 0, TimeSpan.FromHours(2))));
        });
    }

    [Test]
    public void A_missed_run_since_the_newest_backup_is_detected_with_NextAfter()
    {
        var newest = new DateTimeOffset(2026, 1, 10, 0, 0, 5, TimeSpan.Zero);
        var daily = Utc("daily");

        Assert.That(daily.NextAfter(newest) <= newest.AddHours(23), Is.False, "nothing missed the same day");
        Assert.That(daily.NextAfter(newest) <= newest.AddHours(24), Is.True, "next midnight passed");
    }

    [TestCase("hourly")]
    [TestCase("weekly")]
    [TestCase("*/15 9-17 * * 1-5")]
    [TestCase("0 30 2 ? * SUN")]
    public void A_cron_trigger_agrees_with_NextAfter(string text)
    {
        var schedule = Utc(text);
        var trigger = schedule.BuildTrigger(new JobKey("backup-data1"), new TriggerKey("backup-data1-schedule"), Saturday);

        Assert.Multiple(() =>
        {
            Assert.That(trigger.Key, Is.EqualTo(new TriggerKey("backup-data1-schedule")));
            Assert.That(trigger.JobKey, Is.EqualTo(new JobKey("backup-data1")));
            Assert.That(trigger.Description, Is.EqualTo(schedule.Description));
            Assert.That(trigger.MisfireInstructionCode, Is.EqualTo((int)CronTriggerMisfireInstruction.DoNothing));
            Assert.That(trigger.FinalFireTimeUtc, Is.Null);
        });
        DateTimeOffset? t = Saturday;
        for (var i = 0; i < 20; i++)
        {
            var expected = schedule.NextAfter(t!.Value);
            Assert.That(trigger.GetFireTimeAfter(t), Is.EqualTo(expected), $"after {t}");
            t = expected;
        }
    }

    [Test]
    public void A_cron_trigger_uses_the_schedule_time_zone()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var schedule = ScheduleParser.Parse("daily", berlin);
        var trigger = schedule.BuildTrigger(new JobKey("j"), new TriggerKey("t"), Saturday);

        Assert.That(trigger.GetFireTimeAfter(Saturday), Is.EqualTo(new DateTimeOffset(2026, 1, 10, 23, 0, 0, TimeSpan.Zero)));
    }

    [Test]
    public void An_interval_trigger_repeats_forever_from_its_start_and_agrees_with_NextAfter()
    {
        var schedule = Utc("every 15 minutes");
        var trigger = schedule.BuildTrigger(new JobKey("j"), new TriggerKey("t"), Saturday);

        Assert.Multiple(() =>
        {
            Assert.That(trigger.StartTimeUtc, Is.EqualTo(Saturday));
            Assert.That(trigger.MisfireInstructionCode, Is.EqualTo((int)SimpleTriggerMisfireInstruction.NextWithRemainingCount));
            Assert.That(trigger.FinalFireTimeUtc, Is.Null);
        });
        var t = Saturday;
        for (var i = 0; i < 20; i++)
        {
            Assert.That(trigger.GetFireTimeAfter(t), Is.EqualTo(schedule.NextAfter(t)));
            t = schedule.NextAfter(t)!.Value;
        }
    }

    [Test]
    public void Factories_validate_their_input()
    {
        Assert.Throws<FormatException>(() => BackupSchedule.Cron("not a cron"));
        Assert.Throws<ArgumentOutOfRangeException>(() => BackupSchedule.Every(TimeSpan.Zero));
        Assert.That(BackupSchedule.Cron("0 0 * * * ?").ToString(), Is.EqualTo("cron 0 0 * * * ?"));
    }
}
