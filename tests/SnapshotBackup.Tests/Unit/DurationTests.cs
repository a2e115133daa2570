using System.Globalization;
using SnapshotBackup.Core.Time;

namespace SnapshotBackup.Tests.Unit;

/// <summary>
/// Every form the original's dateparser read as a fixed span, what it means, and the forms refused. The cut-offs are
/// from 2026-04-15T12:00:00Z on a UTC wall clock; what dateparser 1.1.6 gives for each accepted form is checked by
/// DurationDateparserTests, and the daylight-saving cases by DurationDstTests.
/// </summary>
public class DurationTests
{
    internal static readonly DateTimeOffset Now = new(2026, 4, 15, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Each accepted form, its parts in words, and the cut-off from <see cref="Now"/>.</summary>
    internal static readonly string[][] Accepted =
    [
        ["1 day", "1 day", "2026-04-14T12:00:00"],
        ["2 days", "2 days", "2026-04-13T12:00:00"],
        ["0 days", "0 days", "2026-04-15T12:00:00"],
        ["1 days", "1 day", "2026-04-14T12:00:00"],
        ["1d", "1 day", "2026-04-14T12:00:00"],
        ["1 d", "1 day", "2026-04-14T12:00:00"],
        ["1day", "1 day", "2026-04-14T12:00:00"],
        ["1 week", "1 week", "2026-04-08T12:00:00"],
        ["3 weeks", "3 weeks", "2026-03-25T12:00:00"],
        ["1 weeks", "1 week", "2026-04-08T12:00:00"],
        ["2w", "2 weeks", "2026-04-01T12:00:00"],
        ["2 w", "2 weeks", "2026-04-01T12:00:00"],
        ["1 W", "1 week", "2026-04-08T12:00:00"],
        ["1 wk", "1 week", "2026-04-08T12:00:00"],
        ["0.5 w", "0.5 weeks", "2026-04-12T00:00:00"],
        ["1.5 weeks", "1.5 weeks", "2026-04-05T00:00:00"],
        ["1 month", "1 month", "2026-03-15T12:00:00"],
        ["3 months", "3 months", "2026-01-15T12:00:00"],
        ["1 mo", "1 month", "2026-03-15T12:00:00"],
        ["1mo", "1 month", "2026-03-15T12:00:00"],
        ["13 months", "13 months", "2025-03-15T12:00:00"],
        ["1.0 months", "1 month", "2026-03-15T12:00:00"],
        ["1 year", "1 year", "2025-04-15T12:00:00"],
        ["10 years", "10 years", "2016-04-15T12:00:00"],
        ["1 y", "1 year", "2025-04-15T12:00:00"],
        ["1y", "1 year", "2025-04-15T12:00:00"],
        ["1 yr", "1 year", "2025-04-15T12:00:00"],
        ["1 decade", "1 decade", "2016-04-15T12:00:00"],
        ["2 decades", "2 decades", "2006-04-15T12:00:00"],
        ["1.5 decades", "1.5 decades", "2011-04-15T12:00:00"],
        ["12 hours", "12 hours", "2026-04-15T00:00:00"],
        ["1 hour", "1 hour", "2026-04-15T11:00:00"],
        ["2h", "2 hours", "2026-04-15T10:00:00"],
        ["2 hr", "2 hours", "2026-04-15T10:00:00"],
        ["2 hrs", "2 hours", "2026-04-15T10:00:00"],
        ["0.5 hours", "0.5 hours", "2026-04-15T11:30:00"],
        ["1.5h", "1.5 hours", "2026-04-15T10:30:00"],
        ["90 minutes", "90 minutes", "2026-04-15T10:30:00"],
        ["5m", "5 minutes", "2026-04-15T11:55:00"],
        ["5 min", "5 minutes", "2026-04-15T11:55:00"],
        ["5 mins", "5 minutes", "2026-04-15T11:55:00"],
        ["1 minute", "1 minute", "2026-04-15T11:59:00"],
        ["0.25 minutes", "0.25 minutes", "2026-04-15T11:59:45"],
        ["10 seconds", "10 seconds", "2026-04-15T11:59:50"],
        ["10s", "10 seconds", "2026-04-15T11:59:50"],
        ["10 sec", "10 seconds", "2026-04-15T11:59:50"],
        ["10 secs", "10 seconds", "2026-04-15T11:59:50"],
        ["1.333 seconds", "1.333 seconds", "2026-04-15T11:59:58.667"],
        ["1 day 12 hours", "1 day 12 hours", "2026-04-14T00:00:00"],
        ["12 hours 1 day", "1 day 12 hours", "2026-04-14T00:00:00"],
        ["1 day, 12 hours", "1 day 12 hours", "2026-04-14T00:00:00"],
        ["1 day and 12 hours", "1 day 12 hours", "2026-04-14T00:00:00"],
        ["1d12h", "1 day 12 hours", "2026-04-14T00:00:00"],
        ["1d 12h", "1 day 12 hours", "2026-04-14T00:00:00"],
        ["1h 30m", "1 hour 30 minutes", "2026-04-15T10:30:00"],
        ["1.5 days", "1.5 days", "2026-04-14T00:00:00"],
        ["1.50 days", "1.5 days", "2026-04-14T00:00:00"],
        ["1. days", "1 day", "2026-04-14T12:00:00"],
        ["1 year, 2 months ago", "1 year 2 months", "2025-02-15T12:00:00"],
        ["1 month 1.5 days", "1 month 1.5 days", "2026-03-14T00:00:00"],
        ["2w 1d", "2 weeks 1 day", "2026-03-31T12:00:00"],
        ["4 d 3 h 2 m 1 s", "4 days 3 hours 2 minutes 1 second", "2026-04-11T08:57:59"],
        ["a week", "1 week", "2026-04-08T12:00:00"],
        ["A week", "1 week", "2026-04-08T12:00:00"],
        ["an hour", "1 hour", "2026-04-15T11:00:00"],
        ["an hour ago", "1 hour", "2026-04-15T11:00:00"],
        ["a day", "1 day", "2026-04-14T12:00:00"],
        ["one day", "1 day", "2026-04-14T12:00:00"],
        ["ONE DAY", "1 day", "2026-04-14T12:00:00"],
        ["two weeks", "2 weeks", "2026-04-01T12:00:00"],
        ["twelve months", "12 months", "2025-04-15T12:00:00"],
        ["1 day ago", "1 day", "2026-04-14T12:00:00"],
        ["1 Weeks Ago", "1 week", "2026-04-08T12:00:00"],
        ["1d ago", "1 day", "2026-04-14T12:00:00"],
        ["2 weeks before", "2 weeks", "2026-04-01T12:00:00"],
        ["1 day 12 hours ago", "1 day 12 hours", "2026-04-14T00:00:00"],
        ["'1 week'", "1 week", "2026-04-08T12:00:00"],
        ["\"1 week\"", "1 week", "2026-04-08T12:00:00"],
        ["  1   week  ", "1 week", "2026-04-08T12:00:00"],
        ["' 1 week ago '", "1 week", "2026-04-08T12:00:00"],
        ["1\tweek", "1 week", "2026-04-08T12:00:00"],
        ["yesterday", "1 day", "2026-04-14T12:00:00"],
        ["day before yesterday", "2 days", "2026-04-13T12:00:00"],
        ["today", "0 days", "2026-04-15T12:00:00"],
        ["till date", "0 days", "2026-04-15T12:00:00"],
        ["now", "0 seconds", "2026-04-15T12:00:00"],
        ["this minute", "0 minutes", "2026-04-15T12:00:00"],
        ["this hour", "0 hours", "2026-04-15T12:00:00"],
        ["this week", "0 weeks", "2026-04-15T12:00:00"],
        ["this wk", "0 weeks", "2026-04-15T12:00:00"],
        ["this month", "0 months", "2026-04-15T12:00:00"],
        ["this mo", "0 months", "2026-04-15T12:00:00"],
        ["this year", "0 years", "2026-04-15T12:00:00"],
        ["this yr", "0 years", "2026-04-15T12:00:00"],
        ["last week", "1 week", "2026-04-08T12:00:00"],
        ["last wk", "1 week", "2026-04-08T12:00:00"],
        ["last month", "1 month", "2026-03-15T12:00:00"],
        ["last mo", "1 month", "2026-03-15T12:00:00"],
        ["last year", "1 year", "2025-04-15T12:00:00"],
        ["last yr", "1 year", "2025-04-15T12:00:00"],
        ["last decade", "1 decade", "2016-04-15T12:00:00"],
        ["this decade", "1 decade", "2016-04-15T12:00:00"],
        ["Yesterday", "1 day", "2026-04-14T12:00:00"],
    ];

    [TestCaseSource(nameof(Accepted))]
    public void Every_accepted_form_has_its_meaning(string text, string parts, string cutOff)
    {
        var duration = Duration.Parse(text);
        Assert.Multiple(() =>
        {
            Assert.That(duration.ToString(), Is.EqualTo(parts));
            Assert.That(duration.Before(Now, TimeZoneInfo.Utc), Is.EqualTo(
                DateTimeOffset.Parse(cutOff + "+00:00", CultureInfo.InvariantCulture)));
            Assert.That(Duration.Parse(duration.ToString()), Is.EqualTo(duration), "its words read back as the same duration");
        });
    }

    [TestCase("", "empty")]
    [TestCase("   ", "empty")]
    [TestCase("''", "empty")]
    [TestCase("day", "expected a number at 'day'")]
    [TestCase("1", "'1' has no unit")]
    [TestCase("30", "'30' has no unit")]
    [TestCase("1 hour 30", "'30' has no unit")]
    [TestCase("12:00", "'12' has no unit")]
    [TestCase("1 fortnight", "'fortnight' is not a unit")]
    [TestCase("1e3 days", "'e' is not a unit")]
    [TestCase("garbage", "'garbage' is neither a number nor a unit")]
    [TestCase("march", "'march' is neither a number nor a unit")]
    [TestCase("thirteen days", "'thirteen' is neither a number nor a unit")]
    [TestCase("half a day", "'half' is neither a number nor a unit")]
    [TestCase("a day and a half", "'half' is not a unit")]
    [TestCase("3 mon", "'mon' is a Monday to dateparser")]
    [TestCase("3 mons", "'mons' is not a unit dateparser knows")]
    [TestCase("2 wks", "'wks' is not a unit dateparser knows")]
    [TestCase("2 yrs", "'yrs' is not a unit dateparser knows")]
    [TestCase("next friday", "a time in the future")]
    [TestCase("next week", "a time in the future")]
    [TestCase("tomorrow", "a time in the future")]
    [TestCase("day after tomorrow", "a time in the future")]
    [TestCase("in 2 days", "a time in the future")]
    [TestCase("3 days later", "a time in the future")]
    [TestCase("2 days from now", "a time in the future")]
    [TestCase("-1 day", "a number with a sign")]
    [TestCase("+1 day", "a number with a sign")]
    [TestCase("1 day -2 hours", "a number with a sign")]
    [TestCase("0.3 months", "months must be whole numbers")]
    [TestCase("1.5 months", "months must be whole numbers")]
    [TestCase("1.5 years", "years (and decades as 10 years) must be whole numbers")]
    [TestCase("0.15 decades", "years (and decades as 10 years) must be whole numbers")]
    [TestCase("1,5 days", "a decimal comma")]
    [TestCase(".5 days", "a number needs a digit before its decimal point")]
    [TestCase("1h30", "a clock time to dateparser")]
    [TestCase("1h30m", "a clock time to dateparser")]
    [TestCase("1 day 1 day", "days given twice")]
    [TestCase("2 days 3 d", "days given twice")]
    [TestCase("1 week 2w", "weeks given twice")]
    [TestCase("1 day,", "ends with a separator")]
    [TestCase("1 day and", "'and' is neither a number nor a unit")]
    [TestCase("1 day ago ago", "'ago' is neither a number nor a unit")]
    [TestCase("ago 1 day", "'ago' is neither a number nor a unit")]
    [TestCase("2 days ago 3 pm", "'ago' is neither a number nor a unit")]
    [TestCase("'1 day\"", "expected a number at ''1 day\"'")]
    [TestCase("'1 day", "expected a number at ''1 day'")]
    [TestCase("99999999999 days", "longer than 10000 years")]
    [TestCase("10001 years", "longer than 10000 years")]
    [TestCase("1001 decades 1 day", "longer than 10000 years")]
    [TestCase("100000000000000000000000000000 days", "a number too large")]
    public void Every_refused_form_says_why_and_what_is_accepted(string text, string reason) =>
        // "'value': reason[; a hint]; expected …"
        Assert.That(() => Duration.Parse(text), Throws.TypeOf<FormatException>().With.Message.StartsWith($"'{text}': {reason}")
            .And.Message.EndsWith($"; {Duration.Expected}"));

    [Test]
    public void TryParse_returns_false_instead_of_throwing()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Duration.TryParse("1 fortnight", out _), Is.False);
            Assert.That(Duration.TryParse(null, out _), Is.False);
            Assert.That(Duration.TryParse(null, out _, out var error), Is.False);
            Assert.That(error, Does.StartWith("no value; expected"));
            Assert.That(Duration.TryParse("2 hours", out var d), Is.True);
            Assert.That(d, Is.EqualTo(new Duration(2, DurationUnit.Hour)));
        });
    }

    [TestCase(1, DurationUnit.Day, "1 day")]
    [TestCase(2, DurationUnit.Week, "2 weeks")]
    [TestCase(1, DurationUnit.Month, "1 month")]
    [TestCase(3, DurationUnit.Year, "3 years")]
    [TestCase(0, DurationUnit.Minute, "0 minutes")]
    [TestCase(1, DurationUnit.Second, "1 second")]
    [TestCase(2, DurationUnit.Decade, "2 decades")]
    public void ToString_gives_count_and_unit_with_plural(int count, DurationUnit unit, string expected) =>
        Assert.That(new Duration(count, unit).ToString(), Is.EqualTo(expected));

    [Test]
    public void Parts_are_kept_largest_first_and_equal_durations_hash_alike()
    {
        var a = new Duration([new DurationPart(12, DurationUnit.Hour), new DurationPart(1.50m, DurationUnit.Day)]);
        var b = new Duration([new DurationPart(1.5m, DurationUnit.Day), new DurationPart(12.0m, DurationUnit.Hour)]);
        Assert.Multiple(() =>
        {
            Assert.That(a.ToString(), Is.EqualTo("1.5 days 12 hours"));
            Assert.That(a, Is.EqualTo(b));
            Assert.That(a == b, Is.True);
            Assert.That(a.GetHashCode(), Is.EqualTo(b.GetHashCode()));
            Assert.That(a, Is.Not.EqualTo(Duration.Parse("2 days")), "equal by parts, not by length");
        });
    }

    [Test]
    public void A_duration_cannot_be_built_with_a_repeated_unit_a_negative_amount_or_a_fraction_of_a_month()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => new Duration([]), Throws.ArgumentException);
            Assert.That(() => new Duration([new(1, DurationUnit.Day), new(2, DurationUnit.Day)]), Throws.ArgumentException);
            Assert.That(() => new Duration(-1, DurationUnit.Day), Throws.ArgumentException);
            Assert.That(() => new Duration([new(0.5m, DurationUnit.Month)]), Throws.ArgumentException);
            Assert.That(() => new Duration([new(0.5m, DurationUnit.Year)]), Throws.ArgumentException);
            Assert.That(new Duration([new(0.5m, DurationUnit.Decade)]).ToString(), Is.EqualTo("0.5 decades"), "five years");
        });
    }

    [TestCase("2026-03-31T12:00:00+00:00", "1 month", "2026-02-28T12:00:00+00:00")]
    [TestCase("2024-03-31T12:00:00+00:00", "1 month", "2024-02-29T12:00:00+00:00")]
    [TestCase("2026-05-31T00:00:00+00:00", "1 month", "2026-04-30T00:00:00+00:00")]
    [TestCase("2026-01-31T00:00:00+00:00", "2 months", "2025-11-30T00:00:00+00:00")]
    [TestCase("2024-02-29T00:00:00+00:00", "1 year", "2023-02-28T00:00:00+00:00")]
    [TestCase("2026-03-31T12:00:00+00:00", "1 month 1 day", "2026-02-27T12:00:00+00:00")]
    [TestCase("2026-03-01T00:30:00+00:00", "1 hour", "2026-02-28T23:30:00+00:00")]
    [TestCase("2026-03-01T00:00:00+00:00", "1 minute", "2026-02-28T23:59:00+00:00")]
    [TestCase("2026-03-01T00:00:00+00:00", "1 day", "2026-02-28T00:00:00+00:00")]
    [TestCase("2026-03-01T00:00:00+00:00", "2 weeks", "2026-02-15T00:00:00+00:00")]
    public void Before_subtracts_calendar_months_first_clamping_to_the_month_end_then_the_rest(string now, string duration, string expected) =>
        Assert.That(Duration.Parse(duration).Before(DateTimeOffset.Parse(now, CultureInfo.InvariantCulture), TimeZoneInfo.Utc),
            Is.EqualTo(DateTimeOffset.Parse(expected, CultureInfo.InvariantCulture)));

    [Test]
    public void Before_reads_now_on_the_zones_wall_clock()
    {
        // 2026-03-01T00:00+02:00 is 28 February 22:00 UTC: one day earlier on a UTC clock is 27 February 22:00 UTC,
        // on a +02:00 clock 28 February 00:00+02:00; both are the same instant.
        var now = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.FromHours(2));
        var plusTwo = TimeZoneInfo.CreateCustomTimeZone("+02", TimeSpan.FromHours(2), "+02", "+02");
        var oneMonth = Duration.Parse("1 month");
        Assert.Multiple(() =>
        {
            Assert.That(Duration.Parse("1 day").Before(now, plusTwo), Is.EqualTo(new DateTimeOffset(2026, 2, 28, 0, 0, 0, TimeSpan.FromHours(2))));
            // A month back from 1 March (+02:00 clock) is 1 February; from 28 February (UTC clock) it is 28 January.
            Assert.That(oneMonth.Before(now, plusTwo), Is.EqualTo(new DateTimeOffset(2026, 2, 1, 0, 0, 0, TimeSpan.FromHours(2))));
            Assert.That(oneMonth.Before(now, TimeZoneInfo.Utc), Is.EqualTo(new DateTimeOffset(2026, 1, 28, 22, 0, 0, TimeSpan.Zero)));
        });
    }

    [TestCase("10000 years")]
    [TestCase("3000000 days")]
    [TestCase("1000 decades")]
    public void Before_clamps_to_the_earliest_instant_instead_of_overflowing(string duration) =>
        Assert.That(Duration.Parse(duration).Before(DateTimeOffset.UnixEpoch, TimeZoneInfo.Utc), Is.EqualTo(DateTimeOffset.MinValue));

    [Test]
    public void Before_clamps_huge_programmatic_durations_too() =>
        Assert.That(new Duration(int.MaxValue, DurationUnit.Year).Before(DateTimeOffset.UnixEpoch, TimeZoneInfo.Utc),
            Is.EqualTo(DateTimeOffset.MinValue));
}
