using System.Globalization;
using SnapshotBackup.Core.Retention;
using SnapshotBackup.Core.Time;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Tests.Unit;

/// <summary>
/// Cut-offs across daylight-saving changes, as the original computed them: dateparser takes now as an aware local
/// datetime (tzlocal's zone) and subtracts a relativedelta, and Python's aware arithmetic is wall-clock arithmetic.
/// So <c>1 day</c> (and <c>24 hours</c>) before a change is the same time of day, 23 or 25 real hours earlier, and
/// <c>2 months</c> keeps the time of day too. The expected values are what dateparser 1.1.6 printed for each case
/// (isoformat, with the offset Python resolved; DurationDateparserTests re-checks them against dateparser itself).
/// Clocks change in Europe/Berlin on 2026-03-29 02:00→03:00 and 2026-10-25 03:00→02:00, in America/New_York on
/// 2026-03-08 02:00→03:00 and 2026-11-01 02:00→01:00.
/// </summary>
public class DurationDstTests
{
    internal const string Berlin = "Europe/Berlin";
    internal const string NewYork = "America/New_York";

    internal static readonly object[][] Cases =
    [
        // Months keep the time of day: 12:00 local both sides, 10:00Z now, 11:00Z at the cut-off.
        [Berlin, "2026-04-15T12:00:00+02:00", "2 months", "2026-02-15T12:00:00+01:00"],
        [Berlin, "2026-11-15T12:00:00+01:00", "1 month", "2026-10-15T12:00:00+02:00"],
        [Berlin, "2026-04-15T12:00:00+02:00", "1 year 2 months", "2025-02-15T12:00:00+01:00"],
        // Days: 23 real hours in spring, 25 in autumn.
        [Berlin, "2026-03-29T12:00:00+02:00", "1 day", "2026-03-28T12:00:00+01:00"],
        [Berlin, "2026-03-30T12:00:00+02:00", "3 days", "2026-03-27T12:00:00+01:00"],
        [Berlin, "2026-10-25T12:00:00+01:00", "1 day", "2026-10-24T12:00:00+02:00"],
        [Berlin, "2026-10-25T12:00:00+01:00", "1.5 days", "2026-10-24T00:00:00+02:00"],
        // Hours are wall-clock hours too: 24 hours is 1 day, and 12 hours back from noon is midnight.
        [Berlin, "2026-03-29T12:00:00+02:00", "24 hours", "2026-03-28T12:00:00+01:00"],
        [Berlin, "2026-03-29T12:00:00+02:00", "12 hours", "2026-03-29T00:00:00+01:00"],
        [Berlin, "2026-10-25T12:00:00+01:00", "12 hours", "2026-10-25T00:00:00+02:00"],
        // A wall-clock time in the skipped hour is read with the offset before the change (fold=0): 02:30+01:00.
        [Berlin, "2026-03-30T02:30:00+02:00", "1 day", "2026-03-29T02:30:00+01:00"],
        [Berlin, "2026-03-30T02:30:00+02:00", "1 day 30 minutes", "2026-03-29T02:00:00+01:00"],
        // A wall-clock time in the repeated hour is its first occurrence (fold=0): 02:30+02:00.
        [Berlin, "2026-10-26T02:30:00+01:00", "1 day", "2026-10-25T02:30:00+02:00"],
        [Berlin, "2026-10-26T02:30:00+01:00", "1 day 23 hours", "2026-10-24T03:30:00+02:00"],
        // Even from the second occurrence, as Python's arithmetic resets fold: 0 days back is an hour earlier.
        [Berlin, "2026-10-25T02:30:00+01:00", "0 days", "2026-10-25T02:30:00+02:00"],
        [Berlin, "2026-10-25T02:30:00+01:00", "30 minutes", "2026-10-25T02:00:00+02:00"],
        [Berlin, "2026-10-25T02:30:00+01:00", "1 hour", "2026-10-25T01:30:00+02:00"],
        [NewYork, "2026-03-08T12:00:00-04:00", "1 day", "2026-03-07T12:00:00-05:00"],
        [NewYork, "2026-03-08T12:00:00-04:00", "12 hours", "2026-03-08T00:00:00-05:00"],
        [NewYork, "2026-03-08T12:00:00-04:00", "1 month", "2026-02-08T12:00:00-05:00"],
        [NewYork, "2026-03-08T12:00:00-04:00", "2 months", "2026-01-08T12:00:00-05:00"],
        [NewYork, "2026-11-15T12:00:00-05:00", "1 month", "2026-10-15T12:00:00-04:00"],
        [NewYork, "2026-11-01T12:00:00-05:00", "1 day", "2026-10-31T12:00:00-04:00"],
        [NewYork, "2026-11-01T12:00:00-05:00", "12 hours", "2026-11-01T00:00:00-04:00"],
        [NewYork, "2026-03-09T02:30:00-04:00", "1 day", "2026-03-08T02:30:00-05:00"],
        [NewYork, "2026-11-02T01:30:00-05:00", "1 day", "2026-11-01T01:30:00-04:00"],
    ];

    internal static TimeZoneInfo Zone(string id) => TimeZoneInfo.FindSystemTimeZoneById(id);

    private static DateTimeOffset Iso(string s) => DateTimeOffset.Parse(s, CultureInfo.InvariantCulture);

    private static string Iso(DateTimeOffset t) => t.ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture);

    [TestCaseSource(nameof(Cases))]
    public void The_cut_off_is_computed_on_the_local_wall_clock(string zone, string now, string duration, string expected) =>
        Assert.That(Iso(Duration.Parse(duration).Before(Iso(now), Zone(zone))), Is.EqualTo(expected));

    [Test]
    public void Two_months_before_mid_april_in_Berlin_is_eleven_not_ten_utc()
    {
        var cutOff = Duration.Parse("2 months").Before(Iso("2026-04-15T12:00:00+02:00"), Zone(Berlin));
        Assert.That(cutOff.UtcDateTime, Is.EqualTo(new DateTime(2026, 2, 15, 11, 0, 0, DateTimeKind.Utc)));
    }

    [TestCase(Berlin, "2026-04-15T12:00:00+02:00", "2026-02-15T11:00:00+00:00")]
    [TestCase(NewYork, "2026-04-15T12:00:00-04:00", "2026-02-15T17:00:00+00:00")]
    public void Retain_daily_of_two_months_keeps_the_daily_backup_from_the_same_local_time_of_day(string zone, string now, string cutOff)
    {
        // Each backup alone on its day, so daily; the newer backup "now" keeps "last" off the one tested. Under
        // instant arithmetic the cut-off would be an hour earlier and the backup just before it would be kept too.
        var settings = new RetentionSettings(Duration.Parse("1 day"), Duration.Parse("2 months"), Duration.Parse("1 year"));
        var localCutOff = Iso(cutOff).ToOffset(Zone(zone).GetUtcOffset(Iso(cutOff)));
        bool InRetainDaily(DateTimeOffset backup) => RetentionPolicy.Evaluate(
            [(SnapshotName.Format(backup), backup), (SnapshotName.Format(Iso(now)), Iso(now))], settings, Iso(now), Zone(zone))[0].InRetainDaily;
        Assert.Multiple(() =>
        {
            Assert.That(InRetainDaily(localCutOff), Is.True, "at the cut-off");
            Assert.That(InRetainDaily(localCutOff.AddSeconds(-1)), Is.False, "a second before it");
            Assert.That(InRetainDaily(localCutOff.AddMinutes(-30)), Is.False, "half an hour before it");
        });
    }

    [Test]
    public void Retain_all_of_one_day_across_the_spring_change_keeps_23_real_hours()
    {
        // Now is 29 March 12:00 CEST (10:00Z); one day back is 28 March 12:00 CET (11:00Z), 23 hours.
        var now = Iso("2026-03-29T12:00:00+02:00");
        var settings = new RetentionSettings(Duration.Parse("1 day"), Duration.Parse("1 day"), Duration.Parse("1 year"));
        var backups = new[] { now.AddHours(-23.5), now.AddHours(-23), now.AddHours(-22), now }
            .Select(t => (SnapshotName.Format(t.ToOffset(Zone(Berlin).GetUtcOffset(t))), t));
        var result = RetentionPolicy.Evaluate(backups, settings, now, Zone(Berlin));
        Assert.That(result.Select(e => e.InRetainAll), Is.EqualTo(new[] { false, true, true, true }));
    }
}
