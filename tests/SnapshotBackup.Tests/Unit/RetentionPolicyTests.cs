using SnapshotBackup.Core.Retention;
using SnapshotBackup.Core.Time;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Tests.Unit;

public class RetentionPolicyTests
{
    private static readonly TimeSpan Utc = TimeSpan.Zero;
    private static readonly TimeSpan Cet = TimeSpan.FromHours(1);
    private static readonly TimeSpan Cest = TimeSpan.FromHours(2);

    private static readonly DateTimeOffset Now = new(2026, 6, 15, 12, 0, 0, Utc);

    private static DateTimeOffset At(int year, int month, int day, int hour, int minute, TimeSpan offset) =>
        new(year, month, day, hour, minute, 0, offset);

    private static (string Name, DateTimeOffset Time) Backup(DateTimeOffset time) => (SnapshotName.Format(time), time);

    // These tests count durations on the wall clock of a zone fixed at now's own offset, where wall-clock and instant
    // arithmetic agree; RetentionDstTests covers real zones with daylight-saving time.
    private static TimeZoneInfo Fixed(DateTimeOffset now) =>
        TimeZoneInfo.CreateCustomTimeZone($"fixed {now.Offset}", now.Offset, $"fixed {now.Offset}", $"fixed {now.Offset}");

    private static IReadOnlyList<BackupEntry> Evaluate(params DateTimeOffset[] times) =>
        RetentionPolicy.Evaluate(times.Select(Backup), RetentionSettings.Default, Now, Fixed(Now));

    private static IReadOnlyList<BackupEntry> Evaluate(RetentionSettings settings, DateTimeOffset now, params DateTimeOffset[] times) =>
        RetentionPolicy.Evaluate(times.Select(Backup), settings, now, Fixed(now));

    private static RetentionSettings Settings(Duration retainAll, Duration retainDaily, Duration decay) => new(retainAll, retainDaily, decay);

    // ---- Basics ----

    [Test]
    public void Evaluate_of_no_backups_is_empty() =>
        Assert.That(RetentionPolicy.Evaluate([], RetentionSettings.Default, Now, Fixed(Now)), Is.Empty);

    [Test]
    public void A_single_ancient_backup_is_kept_and_not_a_decay_candidate()
    {
        var entry = Evaluate(At(2001, 1, 1, 0, 0, Utc)).Single();
        Assert.Multiple(() =>
        {
            Assert.That(entry.Last, Is.True);
            Assert.That(entry.Daily, Is.True);
            Assert.That(entry.Weekly, Is.True);
            Assert.That(entry.InRetainAll, Is.False);
            Assert.That(entry.InRetainDaily, Is.False);
            Assert.That(entry.PruneCandidate, Is.False);
            Assert.That(entry.DecayCandidate, Is.False);
        });
    }

    [Test]
    public void Evaluate_sorts_unsorted_input_oldest_first_and_flags_by_sorted_order()
    {
        var monday = At(2026, 6, 1, 10, 0, Utc);
        var mondayLater = At(2026, 6, 1, 14, 0, Utc);
        var tuesday = At(2026, 6, 2, 10, 0, Utc);
        var result = Evaluate(tuesday, mondayLater, monday);

        Assert.Multiple(() =>
        {
            Assert.That(result.Select(e => e.Time), Is.EqualTo(new[] { monday, mondayLater, tuesday }));
            Assert.That(result.Select(e => e.Daily), Is.EqualTo(new[] { true, false, true }));
            Assert.That(result.Select(e => e.Weekly), Is.EqualTo(new[] { true, false, false }));
            Assert.That(result.Select(e => e.Last), Is.EqualTo(new[] { false, false, true }));
        });
    }

    [Test]
    public void Evaluate_keeps_each_backups_name()
    {
        var result = RetentionPolicy.Evaluate(
            [("b", At(2026, 6, 2, 0, 0, Utc)), ("a", At(2026, 6, 1, 0, 0, Utc))], RetentionSettings.Default, Now, Fixed(Now));
        Assert.That(result.Select(e => e.Name), Is.EqualTo(new[] { "a", "b" }));
    }

    [Test]
    public void Backups_at_the_same_instant_are_ordered_by_name()
    {
        var instant = At(2026, 6, 1, 10, 0, Utc);
        var result = RetentionPolicy.Evaluate([("z", instant), ("a", instant), ("m", instant)], RetentionSettings.Default, Now, Fixed(Now));
        Assert.Multiple(() =>
        {
            Assert.That(result.Select(e => e.Name), Is.EqualTo(new[] { "a", "m", "z" }));
            Assert.That(result.Select(e => e.Daily), Is.EqualTo(new[] { true, false, false }));
            Assert.That(result.Select(e => e.Last), Is.EqualTo(new[] { false, false, true }));
        });
    }

    [Test]
    public void Exactly_one_backup_is_last_and_it_is_the_newest_instant_not_the_latest_wall_clock()
    {
        // 23:00+00:00 is 23:00 UTC; 23:30+02:00 is 21:30 UTC, so the first is newer.
        var newer = At(2026, 6, 1, 23, 0, Utc);
        var older = At(2026, 6, 1, 23, 30, Cest);
        var result = Evaluate(newer, older);
        Assert.Multiple(() =>
        {
            Assert.That(result.Single(e => e.Last).Time, Is.EqualTo(newer));
            Assert.That(result[0].Time, Is.EqualTo(older));
        });
    }

    // ---- Daily ----

    [Test]
    public void The_first_backup_of_each_calendar_day_is_daily()
    {
        var result = Evaluate(
            At(2026, 6, 1, 0, 0, Utc), At(2026, 6, 1, 12, 0, Utc), At(2026, 6, 1, 23, 59, Utc),
            At(2026, 6, 2, 0, 0, Utc), At(2026, 6, 2, 23, 0, Utc), At(2026, 6, 4, 8, 0, Utc));
        Assert.That(result.Select(e => e.Daily), Is.EqualTo(new[] { true, false, false, true, false, true }));
    }

    [Test]
    public void Backups_25_hours_apart_across_a_day_boundary_are_both_daily()
    {
        var result = Evaluate(At(2026, 6, 1, 12, 0, Utc), At(2026, 6, 2, 13, 0, Utc));
        Assert.That(result.Select(e => e.Daily), Is.EqualTo(new[] { true, true }));
    }

    [Test]
    public void Backups_two_minutes_apart_across_midnight_are_both_daily()
    {
        var result = Evaluate(At(2026, 6, 1, 23, 59, Utc), At(2026, 6, 2, 0, 1, Utc));
        Assert.That(result.Select(e => e.Daily), Is.EqualTo(new[] { true, true }));
    }

    [Test]
    public void Daily_is_decided_against_the_previous_backup_only()
    {
        // 00:00, 23:00 (same day), then next day 22:00 — the third is the first of its day.
        var result = Evaluate(At(2026, 6, 1, 0, 0, Utc), At(2026, 6, 1, 23, 0, Utc), At(2026, 6, 2, 22, 0, Utc));
        Assert.That(result.Select(e => e.Daily), Is.EqualTo(new[] { true, false, true }));
    }

    [Test]
    public void Spring_dst_switch_within_a_day_does_not_start_a_new_day()
    {
        // Europe: 2026-03-29 02:00 CET becomes 03:00 CEST.
        var result = Evaluate(
            At(2026, 3, 28, 23, 0, Cet), At(2026, 3, 29, 1, 30, Cet), At(2026, 3, 29, 3, 30, Cest),
            At(2026, 3, 29, 23, 30, Cest), At(2026, 3, 30, 0, 30, Cest));
        Assert.That(result.Select(e => e.Daily), Is.EqualTo(new[] { true, true, false, false, true }));
    }

    [Test]
    public void Autumn_dst_switch_repeating_an_hour_does_not_start_a_new_day()
    {
        // Europe: 2026-10-25 03:00 CEST becomes 02:00 CET, so 02:30 happens twice.
        var first = At(2026, 10, 25, 2, 30, Cest);
        var second = At(2026, 10, 25, 2, 30, Cet);
        var result = Evaluate(At(2026, 10, 24, 23, 59, Cest), second, first, At(2026, 10, 26, 0, 1, Cet));
        Assert.Multiple(() =>
        {
            Assert.That(result.Select(e => e.Time), Is.EqualTo(new[] { At(2026, 10, 24, 23, 59, Cest), first, second, At(2026, 10, 26, 0, 1, Cet) }));
            Assert.That(result.Select(e => e.Daily), Is.EqualTo(new[] { true, true, false, true }));
        });
    }

    [Test]
    public void The_same_instant_written_with_another_offset_on_another_date_is_daily()
    {
        // 23:30+00:00 and 00:30+01:00 are the same instant but lie on different dates in their own offsets.
        var utc = At(2026, 5, 1, 23, 30, Utc);
        var cet = At(2026, 5, 2, 0, 30, Cet);
        var result = Evaluate(cet, utc);
        Assert.Multiple(() =>
        {
            Assert.That(result.Select(e => e.Time.Offset), Is.EqualTo(new[] { Utc, Cet }), "ties sort by name");
            Assert.That(result.Select(e => e.Daily), Is.EqualTo(new[] { true, true }));
        });
    }

    [Test]
    public void A_later_backup_whose_own_date_is_earlier_still_starts_a_new_day()
    {
        // 00:30+01:00 on 2 May is 23:30 UTC on 1 May; fifteen minutes later at 23:45+00:00 the date (1 May) differs.
        var result = Evaluate(At(2026, 5, 2, 0, 30, Cet), At(2026, 5, 1, 23, 45, Utc));
        Assert.That(result.Select(e => e.Daily), Is.EqualTo(new[] { true, true }));
    }

    [Test]
    public void Backups_on_the_same_date_in_their_own_offsets_are_the_same_day()
    {
        // 22:00+00:00 and 23:30+01:00 (22:30 UTC): both on 1 May.
        var result = Evaluate(At(2026, 5, 1, 22, 0, Utc), At(2026, 5, 1, 23, 30, Cet));
        Assert.That(result.Select(e => e.Daily), Is.EqualTo(new[] { true, false }));
    }

    [Test]
    public void The_same_date_more_than_24_hours_apart_in_distant_offsets_is_not_the_same_day()
    {
        // 00:00+14:00 is 10:00 UTC the day before; 23:59-12:00 is 11:59 UTC the day after: 49:59 h apart.
        var result = Evaluate(At(2026, 5, 1, 0, 0, TimeSpan.FromHours(14)), At(2026, 5, 1, 23, 59, TimeSpan.FromHours(-12)));
        Assert.That(result.Select(e => e.Daily), Is.EqualTo(new[] { true, true }));
    }

    // ---- Weekly ----

    [Test]
    public void The_first_backup_of_each_iso_week_is_weekly()
    {
        // 2026-06-01 is a Monday.
        var result = Evaluate(
            At(2026, 6, 1, 10, 0, Utc), At(2026, 6, 3, 10, 0, Utc), At(2026, 6, 7, 23, 59, Utc),
            At(2026, 6, 8, 0, 0, Utc), At(2026, 6, 14, 10, 0, Utc), At(2026, 6, 24, 10, 0, Utc));
        Assert.That(result.Select(e => e.Weekly), Is.EqualTo(new[] { true, false, false, true, false, true }));
    }

    [Test]
    public void A_monday_after_a_sunday_is_weekly_even_an_hour_later()
    {
        var result = Evaluate(At(2026, 3, 8, 23, 30, Utc), At(2026, 3, 9, 0, 30, Utc));
        Assert.That(result.Select(e => e.Weekly), Is.EqualTo(new[] { true, true }));
    }

    [Test]
    public void A_new_year_inside_an_iso_week_does_not_start_a_new_week()
    {
        // 2025-12-31 (Wednesday) and 2026-01-01 (Thursday) are both in ISO week 1 of 2026.
        var result = Evaluate(At(2025, 12, 31, 23, 0, Utc), At(2026, 1, 1, 1, 0, Utc));
        Assert.Multiple(() =>
        {
            Assert.That(result.Select(e => e.Daily), Is.EqualTo(new[] { true, true }));
            Assert.That(result.Select(e => e.Weekly), Is.EqualTo(new[] { true, false }));
        });
    }

    [Test]
    public void Iso_week_53_spans_the_new_year()
    {
        // 2020-12-31 (Thursday) and 2021-01-01 (Friday) are in ISO week 53 of 2020; 2021-01-04 starts week 1 of 2021.
        var result = Evaluate(
            At(2020, 12, 28, 12, 0, Utc), At(2020, 12, 31, 12, 0, Utc), At(2021, 1, 1, 12, 0, Utc),
            At(2021, 1, 3, 23, 0, Utc), At(2021, 1, 4, 0, 30, Utc));
        Assert.That(result.Select(e => e.Weekly), Is.EqualTo(new[] { true, false, false, false, true }));
    }

    [Test]
    public void The_same_iso_week_number_a_year_apart_is_a_new_week()
    {
        var result = Evaluate(At(2025, 6, 2, 12, 0, Utc), At(2026, 6, 1, 12, 0, Utc));
        Assert.That(result.Select(e => e.Weekly), Is.EqualTo(new[] { true, true }));
    }

    [Test]
    public void The_iso_week_is_read_in_each_backups_own_offset()
    {
        // 2026-06-07T23:30+00:00 is Sunday; 2026-06-08T00:45+01:00 (23:45 UTC Sunday) is Monday in its own offset.
        var result = Evaluate(At(2026, 6, 7, 23, 30, Utc), At(2026, 6, 8, 0, 45, Cet));
        Assert.That(result.Select(e => e.Weekly), Is.EqualTo(new[] { true, true }));
    }

    [Test]
    public void The_same_iso_week_seven_days_or_more_apart_in_distant_offsets_is_a_new_week()
    {
        // Monday 00:00+14:00 and Sunday 23:59-12:00 of the same ISO week are 7 days 1:59 h apart.
        var result = Evaluate(At(2026, 6, 1, 0, 0, TimeSpan.FromHours(14)), At(2026, 6, 7, 23, 59, TimeSpan.FromHours(-12)));
        Assert.That(result.Select(e => e.Weekly), Is.EqualTo(new[] { true, true }));
    }

    [Test]
    public void Dst_switch_within_a_week_does_not_start_a_new_week()
    {
        // Sunday 2026-03-29 has the switch; 2026-03-23 is that week's Monday.
        var result = Evaluate(At(2026, 3, 23, 9, 0, Cet), At(2026, 3, 29, 1, 0, Cet), At(2026, 3, 29, 22, 0, Cest), At(2026, 3, 30, 0, 10, Cest));
        Assert.That(result.Select(e => e.Weekly), Is.EqualTo(new[] { true, false, false, true }));
    }

    // ---- Retain windows and boundaries ----

    [Test]
    public void A_backup_exactly_at_the_retain_all_cut_off_is_retained()
    {
        var result = Evaluate(Now.AddDays(-1).AddTicks(-1), Now.AddDays(-1), Now);
        Assert.That(result.Select(e => e.InRetainAll), Is.EqualTo(new[] { false, true, true }));
    }

    [Test]
    public void The_retain_all_cut_off_compares_instants_not_wall_clocks()
    {
        // Now is 12:00 UTC; the cut-off is 14 June 12:00 UTC = 14:00+02:00.
        var result = Evaluate(At(2026, 6, 14, 13, 59, Cest), At(2026, 6, 14, 14, 0, Cest), At(2026, 6, 14, 14, 1, Cest));
        Assert.That(result.Select(e => e.InRetainAll), Is.EqualTo(new[] { false, true, true }));
    }

    [Test]
    public void A_daily_backup_exactly_at_the_retain_daily_cut_off_is_retained()
    {
        // Default retain_daily is one calendar month: 2026-05-15T12:00Z. Each backup is alone on its day.
        var atCutOff = Evaluate(At(2026, 5, 15, 12, 0, Utc), Now)[0];
        var justBefore = Evaluate(At(2026, 5, 15, 12, 0, Utc).AddSeconds(-1), Now)[0];
        Assert.Multiple(() =>
        {
            Assert.That(atCutOff.InRetainDaily, Is.True);
            Assert.That(justBefore.InRetainDaily, Is.False);
        });
    }

    [Test]
    public void A_non_daily_backup_is_never_in_retain_daily()
    {
        var result = Evaluate(At(2026, 6, 10, 8, 0, Utc), At(2026, 6, 10, 9, 0, Utc), Now);
        Assert.Multiple(() =>
        {
            Assert.That(result[1].Daily, Is.False);
            Assert.That(result[1].InRetainDaily, Is.False);
        });
    }

    [Test]
    public void Retain_daily_counts_calendar_months()
    {
        // One month before 31 March 12:00 is 28 February 12:00, not 3 March.
        var now = At(2026, 3, 31, 12, 0, Utc);
        var onCutOff = Evaluate(RetentionSettings.Default, now, At(2026, 2, 28, 12, 0, Utc), now)[0];
        var before = Evaluate(RetentionSettings.Default, now, At(2026, 2, 28, 11, 59, Utc), now)[0];
        Assert.Multiple(() =>
        {
            Assert.That(onCutOff.InRetainDaily, Is.True);
            Assert.That(before.InRetainDaily, Is.False);
        });
    }

    [TestCase(DurationUnit.Minute, 59, 1)]
    [TestCase(DurationUnit.Minute, 90, 2)]
    [TestCase(DurationUnit.Hour, 3, 3)]
    [TestCase(DurationUnit.Day, 2, 3)]
    [TestCase(DurationUnit.Week, 1, 5)]
    public void Retain_all_works_with_every_unit(DurationUnit unit, int count, int expectedRetained)
    {
        // Backups 0 h, 1 h, 2 h, 3 days and 6 days before now.
        var settings = Settings(new Duration(count, unit), new Duration(1, DurationUnit.Day), new Duration(1, DurationUnit.Year));
        var result = Evaluate(settings, Now, Now, Now.AddHours(-1), Now.AddHours(-2), Now.AddDays(-3), Now.AddDays(-6));
        Assert.That(result.Count(e => e.InRetainAll), Is.EqualTo(expectedRetained));
    }

    [Test]
    public void Retain_all_of_one_year_uses_calendar_years()
    {
        var now = At(2024, 2, 29, 12, 0, Utc);
        var settings = Settings(new Duration(1, DurationUnit.Year), new Duration(1, DurationUnit.Day), new Duration(2, DurationUnit.Year));
        var result = Evaluate(settings, now, At(2023, 2, 28, 11, 59, Utc), At(2023, 2, 28, 12, 0, Utc), now);
        Assert.That(result.Select(e => e.InRetainAll), Is.EqualTo(new[] { false, true, true }));
    }

    // ---- Prune ----

    [Test]
    public void Prune_keeps_the_newest_backup_even_when_every_backup_is_expired()
    {
        // All on the same day long ago, so only the first is daily/weekly.
        var result = Evaluate(At(2020, 3, 4, 8, 0, Utc), At(2020, 3, 4, 9, 0, Utc), At(2020, 3, 4, 10, 0, Utc));
        Assert.That(result.Select(e => e.PruneCandidate), Is.EqualTo(new[] { false, true, false }));
    }

    [Test]
    public void Prune_keeps_every_backup_within_retain_all()
    {
        var result = Evaluate(Now.AddHours(-20), Now.AddHours(-19), Now.AddHours(-18), Now.AddMinutes(-1));
        Assert.That(result.Any(e => e.PruneCandidate), Is.False);
    }

    [Test]
    public void Prune_keeps_daily_backups_within_retain_daily_and_drops_the_rest_of_the_day()
    {
        // 10 June is a Wednesday; the Monday of that week (8 June) is not in the list, so 10 June 06:00 is weekly,
        // and now (15 June) is a Monday.
        var result = Evaluate(
            At(2026, 6, 10, 6, 0, Utc), At(2026, 6, 10, 7, 0, Utc),
            At(2026, 6, 11, 6, 0, Utc), At(2026, 6, 11, 7, 0, Utc), Now);
        Assert.Multiple(() =>
        {
            Assert.That(result.Select(e => e.Weekly), Is.EqualTo(new[] { true, false, false, false, true }));
            Assert.That(result.Select(e => e.PruneCandidate), Is.EqualTo(new[] { false, true, false, true, false }));
        });
    }

    [Test]
    public void Prune_keeps_weekly_backups_forever_but_not_old_dailies()
    {
        // Monday and Tuesday of an old week: the Monday is weekly, the Tuesday only daily.
        var result = Evaluate(At(2021, 3, 1, 12, 0, Utc), At(2021, 3, 2, 12, 0, Utc), Now);
        Assert.Multiple(() =>
        {
            Assert.That(result.Select(e => e.PruneCandidate), Is.EqualTo(new[] { false, true, false }));
            Assert.That(result.Select(e => e.DecayCandidate), Is.EqualTo(new[] { true, true, false }), "decay still takes the weekly one");
        });
    }

    [Test]
    public void Prune_candidate_is_exactly_the_backups_no_rule_keeps()
    {
        var start = At(2026, 4, 1, 0, 15, Utc);
        var times = Enumerable.Range(0, 24 * 80).Select(i => start.AddHours(i * 1.5)).ToArray();
        var now = times[^1].AddHours(3);
        var result = Evaluate(RetentionSettings.Default, now, times);
        Assert.That(result.All(e => e.PruneCandidate == !(e.Last || e.InRetainAll || e.InRetainDaily || e.Weekly)), Is.True);
    }

    // ---- Decay ----

    [Test]
    public void Decay_takes_backups_strictly_older_than_the_cut_off()
    {
        // Default decay is one calendar year: 2025-06-15T12:00Z.
        var cutOff = At(2025, 6, 15, 12, 0, Utc);
        var result = Evaluate(cutOff.AddSeconds(-1), cutOff, cutOff.AddSeconds(1), Now);
        Assert.That(result.Select(e => e.DecayCandidate), Is.EqualTo(new[] { true, false, false, false }));
    }

    [Test]
    public void Decay_never_takes_the_newest_backup()
    {
        var result = Evaluate(At(2010, 1, 1, 0, 0, Utc), At(2011, 1, 1, 0, 0, Utc), At(2012, 1, 1, 0, 0, Utc));
        Assert.Multiple(() =>
        {
            Assert.That(result.Select(e => e.DecayCandidate), Is.EqualTo(new[] { true, true, false }));
            Assert.That(result[^1].PruneCandidate, Is.False);
        });
    }

    [Test]
    public void Decay_cut_off_compares_instants_across_offsets()
    {
        var settings = Settings(new Duration(1, DurationUnit.Hour), new Duration(1, DurationUnit.Day), new Duration(2, DurationUnit.Day));
        // The cut-off is 2026-06-13T12:00Z = 14:00+02:00.
        var result = Evaluate(settings, Now, At(2026, 6, 13, 13, 59, Cest), At(2026, 6, 13, 14, 0, Cest), Now);
        Assert.That(result.Select(e => e.DecayCandidate), Is.EqualTo(new[] { true, false, false }));
    }

    [Test]
    public void Durations_reaching_before_year_one_keep_everything_instead_of_failing()
    {
        // decay = 9999 years (and retain_* beyond the calendar) from 2026 reach before 0001-01-01: nothing is that old.
        var settings = Settings(new Duration(9999, DurationUnit.Year), new Duration(int.MaxValue, DurationUnit.Day), new Duration(9999, DurationUnit.Year));
        var result = Evaluate(settings, Now, At(2001, 1, 1, 0, 0, Utc), At(2001, 1, 1, 6, 0, Utc), Now);
        Assert.Multiple(() =>
        {
            Assert.That(result.Select(e => e.DecayCandidate), Is.All.False, "no decay candidate");
            Assert.That(result.Select(e => e.InRetainAll), Is.All.True, "everything is within retain_all");
            Assert.That(result.Select(e => e.PruneCandidate), Is.All.False, "no prune candidate");
        });
    }

    // ---- A realistic history ----

    [Test]
    public void Hourly_backups_for_40_days_against_the_default_settings()
    {
        // 960 backups at half past every hour, 2026-01-29T01:30Z .. 2026-03-10T00:30Z; now is the newest.
        var now = At(2026, 3, 10, 0, 30, Utc);
        var times = Enumerable.Range(0, 960).Select(k => now.AddHours(-k)).ToArray();
        var result = Evaluate(RetentionSettings.Default, now, times);

        Assert.Multiple(() =>
        {
            Assert.That(result, Has.Count.EqualTo(960));
            Assert.That(result[0].Time, Is.EqualTo(At(2026, 1, 29, 1, 30, Utc)));
            Assert.That(result.Count(e => e.Last), Is.EqualTo(1));
            // 29 January to 10 March inclusive.
            Assert.That(result.Count(e => e.Daily), Is.EqualTo(41));
            // 29 January (Thursday), then the Mondays 2, 9, 16, 23 February and 2, 9 March.
            Assert.That(result.Where(e => e.Weekly).Select(e => e.Time.Day), Is.EqualTo(new[] { 29, 2, 9, 16, 23, 2, 9 }));
            // 9 March 00:30 .. 10 March 00:30.
            Assert.That(result.Count(e => e.InRetainAll), Is.EqualTo(25));
            // The dailies from 10 February 00:30 (one calendar month before now) to 10 March.
            Assert.That(result.Count(e => e.InRetainDaily), Is.EqualTo(29));
            // 25 in retain_all + 27 other dailies + 29 January, 2 and 9 February weeklies.
            Assert.That(result.Count(e => !e.PruneCandidate), Is.EqualTo(55));
            Assert.That(result.Count(e => e.PruneCandidate), Is.EqualTo(905));
            Assert.That(result.Count(e => e.DecayCandidate), Is.Zero);
        });
    }

    [Test]
    public void Hourly_backups_for_40_days_with_a_30_day_decay()
    {
        var now = At(2026, 3, 10, 0, 30, Utc);
        var times = Enumerable.Range(0, 960).Select(k => now.AddHours(-k)).ToArray();
        var settings = Settings(new Duration(1, DurationUnit.Day), new Duration(1, DurationUnit.Month), new Duration(30, DurationUnit.Day));
        var result = Evaluate(settings, now, times);

        // Older than 2026-02-08T00:30Z: 721 .. 959 hours before now.
        Assert.Multiple(() =>
        {
            Assert.That(result.Count(e => e.DecayCandidate), Is.EqualTo(239));
            Assert.That(result.Where(e => e.DecayCandidate).Max(e => e.Time), Is.EqualTo(At(2026, 2, 7, 23, 30, Utc)));
        });
    }

    [Test]
    public void Hourly_backups_across_the_spring_dst_switch_in_local_time()
    {
        // Hourly in Europe/Berlin local time from 2026-03-27T00:00+01:00 for 4 days; the clocks jump on 29 March.
        var startUtc = new DateTimeOffset(2026, 3, 26, 23, 0, 0, Utc);
        var switchUtc = new DateTimeOffset(2026, 3, 29, 1, 0, 0, Utc);
        var times = Enumerable.Range(0, 95)
            .Select(h => startUtc.AddHours(h))
            .Select(t => t.ToOffset(t < switchUtc ? Cet : Cest))
            .ToArray();
        var now = times[^1];
        var result = Evaluate(RetentionSettings.Default, now, times);

        Assert.Multiple(() =>
        {
            // 27, 28, 29 (23 hours long) and 30 March.
            Assert.That(result.Where(e => e.Daily).Select(e => SnapshotName.Format(e.Time)), Is.EqualTo(new[]
            {
                "2026-03-27T00:00:00+01:00", "2026-03-28T00:00:00+01:00", "2026-03-29T00:00:00+01:00", "2026-03-30T00:00:00+02:00",
            }));
            Assert.That(result.Where(e => e.Weekly).Select(e => SnapshotName.Format(e.Time)), Is.EqualTo(new[]
            {
                "2026-03-27T00:00:00+01:00", "2026-03-30T00:00:00+02:00",
            }));
            Assert.That(result[^1].Time, Is.EqualTo(new DateTimeOffset(2026, 3, 30, 23, 0, 0, Cest)));
        });
    }
}
