using SnapshotBackup.Core.Time;

namespace SnapshotBackup.Tests.Unit;

public class AgeFormatterTests
{
    private const long Minute = 60;
    private const long Hour = 60 * Minute;
    private const long Day = 24 * Hour;
    private const long Month = 30 * Day;
    private const long Year = 365 * Day;

    [TestCase(0L, "0 seconds")]
    [TestCase(1L, "1 second")]
    [TestCase(2L, "2 seconds")]
    [TestCase(59L, "59 seconds")]
    [TestCase(Minute, "1 minute")]
    [TestCase(Minute + 1, "1 minute and 1 second")]
    [TestCase(5 * Minute + 1, "5 minutes and 1 second")]
    [TestCase(5 * Minute + 30, "5 minutes and 30 seconds")]
    [TestCase(Hour, "1 hour")]
    [TestCase(3 * Hour, "3 hours")]
    [TestCase(3 * Hour + Minute, "3 hours and 1 minute")]
    [TestCase(3 * Hour + 59, "3 hours")]
    [TestCase(Day, "1 day")]
    [TestCase(2 * Day + 4 * Hour, "2 days and 4 hours")]
    [TestCase(2 * Day + 4 * Hour + 17 * Minute, "2 days and 4 hours")]
    [TestCase(Day + 5 * Minute, "1 day")]
    [TestCase(14 * Day, "14 days")]
    [TestCase(29 * Day + 23 * Hour, "29 days and 23 hours")]
    [TestCase(Month, "1 month")]
    [TestCase(2 * Month + Day, "2 months and 1 day")]
    [TestCase(364 * Day, "12 months and 4 days")]
    [TestCase(Year, "1 year")]
    [TestCase(Year + 2 * Month, "1 year and 2 months")]
    [TestCase(Year + 2 * Month + 3 * Day, "1 year and 2 months")]
    [TestCase(Year + 3 * Day, "1 year")]
    [TestCase(10 * Year + Month, "10 years and 1 month")]
    public void Format_gives_the_largest_unit_and_the_next_one_when_non_zero(long seconds, string expected) =>
        Assert.That(AgeFormatter.Format(TimeSpan.FromSeconds(seconds)), Is.EqualTo(expected));

    [Test]
    public void Format_ignores_fractions_of_a_second() =>
        Assert.That(AgeFormatter.Format(TimeSpan.FromMilliseconds(1999)), Is.EqualTo("1 second"));

    [Test]
    public void Format_shows_under_a_second_as_0_seconds() =>
        Assert.That(AgeFormatter.Format(TimeSpan.FromMilliseconds(400)), Is.EqualTo("0 seconds"));

    [TestCase(-1L)]
    [TestCase(-3600L)]
    public void Format_shows_a_negative_age_from_clock_skew_as_0_seconds(long seconds) =>
        Assert.That(AgeFormatter.Format(TimeSpan.FromSeconds(seconds)), Is.EqualTo("0 seconds"));

    [Test]
    public void Format_handles_the_extreme_spans() => Assert.Multiple(() =>
    {
        Assert.That(AgeFormatter.Format(TimeSpan.MinValue), Is.EqualTo("0 seconds"));
        Assert.That(AgeFormatter.Format(TimeSpan.MaxValue), Is.EqualTo("29247 years and 1 month"));
    });
}
