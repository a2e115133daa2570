using SnapshotBackup.Core.Time;

namespace SnapshotBackup.Tests.Unit;

public class DurationTests
{
    [TestCase("1 day", 1, DurationUnit.Day)]
    [TestCase("2 days", 2, DurationUnit.Day)]
    [TestCase("1 minute", 1, DurationUnit.Minute)]
    [TestCase("90 minutes", 90, DurationUnit.Minute)]
    [TestCase("12 hours", 12, DurationUnit.Hour)]
    [TestCase("1 week", 1, DurationUnit.Week)]
    [TestCase("3 weeks", 3, DurationUnit.Week)]
    [TestCase("1 month", 1, DurationUnit.Month)]
    [TestCase("6 months", 6, DurationUnit.Month)]
    [TestCase("1 year", 1, DurationUnit.Year)]
    [TestCase("10 years", 10, DurationUnit.Year)]
    [TestCase("0 days", 0, DurationUnit.Day)]
    public void Singular_and_plural_units_parse(string text, int count, DurationUnit unit) =>
        Assert.That(Duration.Parse(text), Is.EqualTo(new Duration(count, unit)));

    [TestCase("'1 week'")]
    [TestCase("\"1 week\"")]
    [TestCase("  1   week  ")]
    [TestCase("1 WEEK")]
    [TestCase("1 Weeks Ago")]
    [TestCase("1 week ago")]
    [TestCase("' 1 week ago '")]
    [TestCase("1week")]
    public void Quotes_whitespace_case_and_ago_are_accepted(string text) =>
        Assert.That(Duration.Parse(text), Is.EqualTo(new Duration(1, DurationUnit.Week)));

    [TestCase("")]
    [TestCase("day")]
    [TestCase("1")]
    [TestCase("1 fortnight")]
    [TestCase("-1 day")]
    [TestCase("1.5 days")]
    [TestCase("'1 day\"")]
    [TestCase("'1 day")]
    [TestCase("1 day ago ago")]
    [TestCase("ago 1 day")]
    [TestCase("99999999999 days")]
    public void Malformed_durations_throw_a_FormatException_saying_what_is_accepted(string text) =>
        Assert.That(() => Duration.Parse(text), Throws.TypeOf<FormatException>()
            .With.Message.Contains("expected \"N unit\" with unit minute(s), hour(s), day(s), week(s), month(s) or year(s)"));

    [Test]
    public void TryParse_returns_false_instead_of_throwing()
    {
        Assert.That(Duration.TryParse("1 fortnight", out _), Is.False);
        Assert.That(Duration.TryParse(null, out _), Is.False);
        Assert.That(Duration.TryParse("2 hours", out var d), Is.True);
        Assert.That(d, Is.EqualTo(new Duration(2, DurationUnit.Hour)));
    }

    [TestCase(1, DurationUnit.Day, "1 day")]
    [TestCase(2, DurationUnit.Week, "2 weeks")]
    [TestCase(1, DurationUnit.Month, "1 month")]
    [TestCase(3, DurationUnit.Year, "3 years")]
    [TestCase(0, DurationUnit.Minute, "0 minutes")]
    public void ToString_gives_count_and_unit_with_plural(int count, DurationUnit unit, string expected) =>
        Assert.That(new Duration(count, unit).ToString(), Is.EqualTo(expected));

    [TestCase("2026-03-31T12:00:00+00:00", "1 month", "2026-02-28T12:00:00+00:00")]
    [TestCase("2024-03-31T12:00:00+00:00", "1 month", "2024-02-29T12:00:00+00:00")]
    [TestCase("2026-05-31T00:00:00+00:00", "1 month", "2026-04-30T00:00:00+00:00")]
    [TestCase("2026-01-31T00:00:00+00:00", "2 months", "2025-11-30T00:00:00+00:00")]
    [TestCase("2024-02-29T00:00:00+00:00", "1 year", "2023-02-28T00:00:00+00:00")]
    [TestCase("2026-03-01T00:30:00+00:00", "1 hour", "2026-02-28T23:30:00+00:00")]
    [TestCase("2026-03-01T00:00:00+00:00", "1 minute", "2026-02-28T23:59:00+00:00")]
    [TestCase("2026-03-01T00:00:00+00:00", "1 day", "2026-02-28T00:00:00+00:00")]
    [TestCase("2026-03-01T00:00:00+00:00", "2 weeks", "2026-02-15T00:00:00+00:00")]
    [TestCase("2026-03-01T00:00:00+02:00", "1 day ago", "2026-02-28T00:00:00+02:00")]
    public void Before_subtracts_calendar_months_and_years_across_month_ends(string now, string duration, string expected) =>
        Assert.That(Duration.Parse(duration).Before(DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture)),
            Is.EqualTo(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture)));

    [Test]
    public void Before_clamps_to_the_earliest_instant_instead_of_overflowing() =>
        Assert.That(new Duration(int.MaxValue, DurationUnit.Year).Before(DateTimeOffset.UnixEpoch),
            Is.EqualTo(DateTimeOffset.MinValue));
}
