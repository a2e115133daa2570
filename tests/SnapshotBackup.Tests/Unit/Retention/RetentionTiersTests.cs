using SnapshotBackup.Core.Retention;
using SnapshotBackup.Core.Time;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Tests.Unit.Retention;

/// <summary>The tiers beyond the original's (weekly, monthly, yearly) and the count forms, by hand-picked cases; RetentionOracleTests has the generated ones.</summary>
public class RetentionTiersTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 15, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeZoneInfo Utc = TimeZoneInfo.Utc;

    private static IReadOnlyList<BackupEntry> Evaluate(RetentionSettings settings, IEnumerable<DateTimeOffset> times) =>
        RetentionPolicy.Evaluate(times.Select(t => (SnapshotName.Format(t), t)), settings, Now, Utc);

    /// <summary>One backup at noon every day for the 800 days before now.</summary>
    private static IEnumerable<DateTimeOffset> Daily800 => Enumerable.Range(1, 800).Select(d => Now.AddDays(-d));

    [TestCase("1 day", null, false, false)]
    [TestCase("14", 14, false, false)]
    [TestCase("'14'", 14, false, false)]
    [TestCase("0", 0, false, true)]
    [TestCase("none", 0, false, true)]
    [TestCase("forever", null, true, false)]
    [TestCase("Forever", null, true, false)]
    public void A_period_reads_a_span_a_count_forever_or_none(string text, int? count, bool forever, bool none)
    {
        var period = RetentionPeriod.Parse(text);
        Assert.Multiple(() =>
        {
            Assert.That(period.Count, Is.EqualTo(count));
            Assert.That(period.IsForever, Is.EqualTo(forever));
            Assert.That(period.IsNone, Is.EqualTo(none));
            Assert.That(period.Span is not null, Is.EqualTo(count is null && !forever));
        });
    }

    [TestCase("-3")]
    [TestCase("1.5")]
    [TestCase("99999999999")]
    [TestCase("fourteen")]
    [TestCase("")]
    [TestCase("for ever")]
    public void A_bad_period_is_refused_with_what_is_accepted(string text)
    {
        Assert.That(RetentionPeriod.TryParse(text, out _, out var error), Is.False);
        Assert.That(error, Does.Contain("'14'").And.Contain("forever"));
    }

    [Test]
    public void The_defaults_are_the_original_policy_weekly_forever_and_no_monthly_or_yearly()
    {
        var settings = RetentionSettings.Default;
        Assert.Multiple(() =>
        {
            Assert.That(settings.RetainWeekly.IsForever, Is.True);
            Assert.That(settings.RetainMonthly.IsNone, Is.True);
            Assert.That(settings.RetainYearly.IsNone, Is.True);
        });
        var entries = Evaluate(settings, Daily800);
        // The original: keep the newest, retain_all, dailies within a month, every weekly.
        Assert.That(entries.Where(e => !e.PruneCandidate), Is.EquivalentTo(
            entries.Where(e => e.Last || e.InRetainAll || e.InRetainDaily || e.Weekly)));
        Assert.That(entries.Count(e => e.InRetainMonthly || e.InRetainYearly), Is.Zero);
    }

    [Test]
    public void Monthly_and_yearly_backups_are_the_first_of_their_calendar_month_and_year()
    {
        var entries = Evaluate(RetentionSettings.Default, Daily800);
        var first = entries[0].Time; // 2024-04-06
        Assert.Multiple(() =>
        {
            Assert.That(entries.Where(e => e.Monthly).Select(e => e.Time.Day).Skip(1), Has.All.EqualTo(1));
            Assert.That(entries.Count(e => e.Monthly), Is.EqualTo(27), "April 2024 (its first backup) to June 2026");
            Assert.That(entries.Where(e => e.Yearly).Select(e => e.Time), Is.EqualTo(new[]
            {
                first, new DateTimeOffset(2025, 1, 1, 12, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero),
            }));
        });
    }

    [Test]
    public void A_count_keeps_the_tiers_newest_backups()
    {
        var settings = RetentionSettings.Default with
        {
            RetainDaily = RetentionPeriod.Newest(14),
            RetainWeekly = RetentionPeriod.Newest(8),
            RetainMonthly = RetentionPeriod.Newest(12),
            RetainYearly = RetentionPeriod.Forever,
        };
        var entries = Evaluate(settings, Daily800);
        Assert.Multiple(() =>
        {
            Assert.That(entries.Where(e => e.InRetainDaily).Select(e => e.Time), Is.EqualTo(entries.TakeLast(14).Select(e => e.Time)));
            Assert.That(entries.Where(e => e.InRetainWeekly).Select(e => e.Time), Is.EqualTo(entries.Where(e => e.Weekly).TakeLast(8).Select(e => e.Time)));
            Assert.That(entries.Where(e => e.InRetainMonthly).Select(e => e.Time), Is.EqualTo(entries.Where(e => e.Monthly).TakeLast(12).Select(e => e.Time)));
            Assert.That(entries.Where(e => e.InRetainYearly), Has.Exactly(3).Items);
            // Weekly is no longer forever: an old weekly that is not monthly or yearly is a prune candidate.
            Assert.That(entries.Where(e => e.Weekly && !e.Monthly && !e.Yearly && e.Time < Now.AddMonths(-13)), Has.All.Matches<BackupEntry>(e => e.PruneCandidate));
            var kept = entries.Count(e => !e.PruneCandidate);
            Assert.That(kept, Is.LessThanOrEqualTo(1 + 14 + 8 + 12 + 3));
        });
    }

    [Test]
    public void A_span_keeps_the_tiers_backups_younger_than_it()
    {
        var settings = RetentionSettings.Default with
        {
            RetainWeekly = RetentionPeriod.Within(Duration.Parse("2 months")),
            RetainMonthly = RetentionPeriod.Within(Duration.Parse("1 year")),
        };
        var entries = Evaluate(settings, Daily800);
        var weeklyFrom = Now.AddMonths(-2);
        var monthlyFrom = Now.AddYears(-1);
        Assert.Multiple(() =>
        {
            Assert.That(entries.Where(e => e.InRetainWeekly), Is.EqualTo(entries.Where(e => e.Weekly && e.Time >= weeklyFrom)));
            Assert.That(entries.Where(e => e.InRetainMonthly), Is.EqualTo(entries.Where(e => e.Monthly && e.Time >= monthlyFrom)));
            Assert.That(entries.Where(e => !e.PruneCandidate && e.Time < monthlyFrom), Is.Empty, "nothing older than every tier is kept");
        });
    }

    [Test]
    public void Zero_everywhere_keeps_the_newest_alone()
    {
        var settings = new RetentionSettings(RetentionPeriod.None, RetentionPeriod.None, Duration.Parse("100 years"))
        {
            RetainWeekly = RetentionPeriod.None,
        };
        var entries = Evaluate(settings, Daily800);
        Assert.That(entries.Where(e => !e.PruneCandidate).Select(e => e.Last), Is.EqualTo(new[] { true }));
    }

    [Test]
    public void Around_the_autumn_clock_change_expiry_is_the_first_edge_not_the_one_after_the_repeated_hour()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var day = Duration.Parse("1 day");
        // Backups every 10 minutes over the day before the clocks go back (2025-10-26 03:00 CEST -> 02:00 CET).
        for (var t = new DateTimeOffset(2025, 10, 25, 0, 0, 0, TimeSpan.FromHours(2)); t < new DateTimeOffset(2025, 10, 25, 4, 0, 0, TimeSpan.FromHours(2)); t = t.AddMinutes(10))
        {
            var until = day.Expiry(t, berlin)!.Value;
            for (var probe = t; probe <= until; probe = probe.AddMinutes(1))
            {
                Assert.That(day.Before(probe, berlin), Is.LessThanOrEqualTo(t), $"{t:O} is out at {probe:O}, before its expiry {until:O}");
            }
            Assert.That(day.Before(until.AddSeconds(1), berlin), Is.GreaterThan(t));
        }
    }

    [Test]
    public void Expiry_is_the_last_second_a_span_still_holds_a_backup_across_month_ends_and_clock_changes()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var rng = new Random(17);
        string[] spans = ["1 day", "1 month", "3 months", "1 year", "36 hours", "2 weeks", "1 month 1 day"];
        for (var i = 0; i < 400; i++)
        {
            var span = Duration.Parse(spans[rng.Next(spans.Length)]);
            var time = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(rng.NextInt64(0, 2L * 365 * 86400));
            var until = span.Expiry(time, berlin)!.Value;
            Assert.That(span.Before(until, berlin), Is.LessThanOrEqualTo(time), $"{span} after {time:O}: still within at {until:O}");
            Assert.That(span.Before(until.AddSeconds(1), berlin), Is.GreaterThan(time), $"{span} after {time:O}: out a second after {until:O}");
        }
    }
}
