using Quartz;
using SnapshotBackup.Daemon.Scheduling;

namespace SnapshotBackup.Tests.Daemon;

public class ScheduleParserTests
{
    [TestCase("hourly", "0 0 * * * ?")]
    [TestCase("daily", "0 0 0 * * ?")]
    [TestCase("weekly", "0 0 0 ? * MON")]
    [TestCase("  Daily ", "0 0 0 * * ?")]
    [TestCase("HOURLY", "0 0 * * * ?")]
    public void Keywords_become_quartz_cron_schedules(string text, string cron)
    {
        var schedule = ScheduleParser.Parse(text);

        Assert.Multiple(() =>
        {
            Assert.That(schedule.CronExpression, Is.EqualTo(cron));
            Assert.That(schedule.Interval, Is.Null);
            Assert.That(schedule.Description, Does.Contain("cron " + cron));
            Assert.That(schedule.TimeZone, Is.EqualTo(TimeZoneInfo.Local));
        });
    }

    [TestCase("every 15 minutes", 15 * 60, "every 15 minutes")]
    [TestCase("every 1 minute", 60, "every minute")]
    [TestCase("every 1 minutes", 60, "every minute")]
    [TestCase("every 2 hours", 2 * 3600, "every 2 hours")]
    [TestCase("every 1 hour", 3600, "every hour")]
    [TestCase("every 3 days", 3 * 86400, "every 3 days")]
    [TestCase("every 1 day", 86400, "every day")]
    [TestCase("Every  10   Minutes", 600, "every 10 minutes")]
    public void Every_N_units_becomes_an_interval_schedule(string text, int seconds, string description)
    {
        var schedule = ScheduleParser.Parse(text);

        Assert.Multiple(() =>
        {
            Assert.That(schedule.Interval, Is.EqualTo(TimeSpan.FromSeconds(seconds)));
            Assert.That(schedule.CronExpression, Is.Null);
            Assert.That(schedule.Description, Is.EqualTo(description));
        });
    }

    [TestCase("1 * * * *", "0 1 * * * ?")]
    [TestCase("*/15 9-17 * * 1-5", "0 */15 9-17 ? * 2-6")]
    [TestCase("0 3 * * 0", "0 0 3 ? * 1")]
    [TestCase("0 3 * * 7", "0 0 3 ? * 1")]
    [TestCase("0 3 * * 0,7", "0 0 3 ? * 1")]
    [TestCase("0 3 * * 6", "0 0 3 ? * 7")]
    [TestCase("0 3 * * 5-7", "0 0 3 ? * 1,6-7")]
    [TestCase("0 3 * * 0-6", "0 0 3 ? * 1-7")]
    [TestCase("0 3 * * 0,3,6", "0 0 3 ? * 1,4,7")]
    [TestCase("0 3 * * */2", "0 0 3 ? * 1,3,5,7")]
    [TestCase("0 22 * * 1-5/2", "0 0 22 ? * 2,4,6")]
    [TestCase("0 3 * * MON-FRI", "0 0 3 ? * MON-FRI")]
    [TestCase("0 3 * * sat,sun", "0 0 3 ? * SAT,SUN")]
    [TestCase("0 3 * * sun,3", "0 0 3 ? * 1,4")]
    [TestCase("30 4 1,15 * *", "0 30 4 1,15 * ?")]
    [TestCase("0 0 1 jan-mar *", "0 0 0 1 JAN-MAR ?")]
    [TestCase("5 0 * 8 *", "0 5 0 * 8 ?")]
    [TestCase("0-10/5 */2 * * *", "0 0-10/5 */2 * * ?")]
    public void Unix_cron_converts_to_quartz(string unix, string quartz)
    {
        Assert.That(ScheduleParser.ConvertUnixCron(unix), Is.EqualTo(quartz));

        var schedule = ScheduleParser.Parse(unix);
        Assert.That(schedule.CronExpression, Is.EqualTo(quartz));
        Assert.That(schedule.Description, Is.EqualTo($"cron {unix} (Quartz {quartz})"));
    }

    [TestCase("*/15 9-17 * * 1-5")]
    [TestCase("0 3 * * 0")]
    [TestCase("0 3 * * 7")]
    [TestCase("0 3 * * 5-7")]
    [TestCase("0 3 * * */2")]
    [TestCase("0 22 * * 1-5/2")]
    [TestCase("30 4 1,15 * *")]
    public void Converted_unix_cron_fires_when_quartz_own_unix_parser_says(string unix)
    {
        var ours = new CronExpression(ScheduleParser.ConvertUnixCron(unix), TimeZoneInfo.Utc);
        var reference = CronExpression.Parse(unix, CronFormat.Unix).WithTimeZone(TimeZoneInfo.Utc);
        DateTimeOffset? a = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), b = a;

        for (var i = 0; i < 50; i++)
        {
            a = ours.GetNextValidTimeAfter(a!.Value);
            b = reference.GetNextValidTimeAfter(b!.Value);
            Assert.That(a, Is.EqualTo(b), $"fire time #{i}");
        }
    }

    [TestCase("*/5 * * * * ?")]
    [TestCase("0 0 12 ? * WED")]
    [TestCase("0 15 10 ? * 6L 2030-2040")]
    public void Quartz_cron_expressions_are_accepted_as_is(string quartz)
    {
        var schedule = ScheduleParser.Parse(quartz);

        Assert.That(schedule.CronExpression, Is.EqualTo(quartz));
        Assert.That(schedule.Description, Is.EqualTo("cron " + quartz));
    }

    [TestCase("every 0 minutes", "at least 1")]
    [TestCase("every -1 minutes", "expected 'every N minutes'")]
    [TestCase("every 5 weeks", "expected 'every N minutes'")]
    [TestCase("every minutes", "expected 'every N minutes'")]
    [TestCase("every 99999999999 days", "at least 1")]
    [TestCase("every 2000000000 days", "too long")]
    [TestCase("sometimes", "Unrecognised schedule 'sometimes'")]
    [TestCase("", "empty")]
    [TestCase("61 * * * *", "minute value 61 is out of range 0-59")]
    [TestCase("0 24 * * *", "hour value 24 is out of range 0-23")]
    [TestCase("0 0 0 * *", "day-of-month value 0 is out of range 1-31")]
    [TestCase("0 0 * 13 *", "month value 13 is out of range 1-12")]
    [TestCase("0 0 * * 8", "day-of-week value 8 is out of range 0-7")]
    [TestCase("*/0 * * * *", "step")]
    [TestCase("0 0 * * 5-1", "runs backwards")]
    [TestCase("0 0 * * FUNDAY", "not a valid day-of-week value")]
    [TestCase("0 0 1 * 1", "both day-of-month ('1') and day-of-week ('1') are restricted")]
    [TestCase("* * * *", "needs 5 (Unix) or 6-7 (Quartz) fields, not 4")]
    [TestCase("0 0 24 * * ?", "Invalid Quartz cron expression '0 0 24 * * ?': Hour values must be between 0 and 23")]
    [TestCase("0 0 0 ? * 8", "Invalid Quartz cron expression")]
    [TestCase("0 0 0 ? * MON 1999 extra", "needs 5 (Unix) or 6-7 (Quartz) fields, not 8")]
    public void Invalid_schedules_are_rejected_with_a_message_listing_the_accepted_forms(string text, string detail)
    {
        var ex = Assert.Throws<FormatException>(() => ScheduleParser.Parse(text));

        Assert.That(ex!.Message, Does.Contain(detail));
        Assert.That(ex.Message, Does.EndWith(ScheduleParser.AcceptedForms));
    }
}
