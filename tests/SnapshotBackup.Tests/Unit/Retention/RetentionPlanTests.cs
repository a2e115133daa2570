using SnapshotBackup.Core.Retention;
using SnapshotBackup.Core.Time;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Tests.Unit.Retention;

public class RetentionPlanTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 15, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeZoneInfo Utc = TimeZoneInfo.Utc;
    private static readonly Dictionary<string, Pin> NoPins = new(StringComparer.Ordinal);
    private static readonly Dictionary<string, IReadOnlyList<string>> NoParents = new(StringComparer.Ordinal);

    private static DateTimeOffset At(int month, int day, int hour = 12) => new(2026, month, day, hour, 0, 0, TimeSpan.Zero);

    private static IReadOnlyList<PlanEntry> Plan(
        RetentionSettings settings, DateTimeOffset[] times, Dictionary<string, Pin>? pins = null, Dictionary<string, IReadOnlyList<string>>? parents = null)
    {
        var entries = RetentionPolicy.Evaluate(times.Select(t => (SnapshotName.Format(t), t)), settings, Now, Utc);
        return RetentionPlan.Explain(entries, settings, Now, Utc, pins ?? NoPins, parents ?? NoParents);
    }

    private static PlanEntry Of(IReadOnlyList<PlanEntry> plan, DateTimeOffset time) => plan.Single(p => p.Entry.Time == time);

    [Test]
    public void Each_snapshot_gets_its_deciding_rule_and_the_date_its_fate_changes()
    {
        // Monday 1 June (weekly), Tuesday 2 June 12:00 and 18:00, Monday 15 June 06:00 and the newest at 11:00.
        DateTimeOffset[] times = [At(6, 1), At(6, 2), At(6, 2, 18), At(6, 15, 6), At(6, 15, 11)];
        var plan = Plan(RetentionSettings.Default, times);
        Assert.Multiple(() =>
        {
            var weekly = Of(plan, At(6, 1));
            Assert.That(weekly.Keep, Is.True);
            Assert.That(weekly.Rule, Is.EqualTo("weekly"));
            Assert.That(weekly.Holds.Select(h => h.Rule), Is.EqualTo(new[] { "weekly", "daily" }), "forever first, then the dated rule");
            Assert.That(weekly.Holds[1].Until, Is.EqualTo(At(7, 1)), "daily until a month after it");
            Assert.That(weekly.NextChange, Is.EqualTo(new DateTimeOffset(2027, 6, 1, 12, 0, 1, TimeSpan.Zero)), "then decay, a year after it");
            Assert.That(weekly.NextFate, Is.EqualTo("decay"));

            var daily = Of(plan, At(6, 2));
            Assert.That(daily.Rule, Is.EqualTo("daily"));
            Assert.That(daily.Holds.Single().Until, Is.EqualTo(At(7, 2)));
            Assert.That(daily.NextChange, Is.EqualTo(At(7, 2).AddSeconds(1)), "a prune candidate a second after daily lets go");
            Assert.That(daily.NextFate, Is.EqualTo("prune"));
            Assert.That(RetentionPlan.Summary(daily, Utc), Is.EqualTo("daily until 2026-07-02 12:00"));

            var second = Of(plan, At(6, 2, 18));
            Assert.That(second.Keep, Is.False);
            Assert.That(second.Rule, Is.EqualTo("prune"));
            Assert.That(RetentionPlan.Describe(second, RetentionSettings.Default, Utc), Is.EqualTo(
                "delete: prune: older than retain_all (1 day), not the first of its day, not the first of its week"));

            var recent = Of(plan, At(6, 15, 6));
            Assert.That(recent.Holds.Select(h => h.Describe(Utc)), Is.EqualTo(new[] { "weekly", "daily until 2026-07-15 06:00", "retain_all until 2026-06-16 06:00" }));

            var newest = Of(plan, At(6, 15, 11));
            Assert.That(newest.Rule, Is.EqualTo("newest"));
            Assert.That(newest.NextChange, Is.Null, "the newest changes only with a newer backup");
        });
    }

    [Test]
    public void Pinned_and_copy_parents_are_kept_whatever_the_tiers_say_and_decay_wins_over_the_tiers()
    {
        var settings = RetentionSettings.Default with { Decay = Duration.Parse("10 days") };
        DateTimeOffset[] times = [At(5, 1), At(5, 1, 18), At(5, 2, 18), At(5, 3, 18), At(6, 15, 11)];
        var pins = new Dictionary<string, Pin>(StringComparer.Ordinal) { [SnapshotName.Format(At(5, 1, 18))] = new("before the upgrade", Now) };
        var parents = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal) { [SnapshotName.Format(At(5, 2, 18))] = ["/mnt/offsite"] };
        var plan = Plan(settings, times, pins, parents);
        Assert.Multiple(() =>
        {
            Assert.That(Of(plan, At(5, 1)).Rule, Is.EqualTo("decay"), "weekly, but older than decay");
            Assert.That(RetentionPlan.Describe(Of(plan, At(5, 1)), settings, Utc), Is.EqualTo("delete: decay: older than decay (10 days)"));
            Assert.That(Of(plan, At(5, 1, 18)).Rule, Is.EqualTo("pinned"));
            Assert.That(RetentionPlan.Describe(Of(plan, At(5, 1, 18)), settings, Utc), Is.EqualTo("keep: pinned: before the upgrade"));
            Assert.That(Of(plan, At(5, 2, 18)).Rule, Is.EqualTo("copy parent"));
            Assert.That(Of(plan, At(5, 2, 18)).Holds[0].Describe(Utc), Is.EqualTo("copy parent (/mnt/offsite)"));
            Assert.That(Of(plan, At(5, 3, 18)).Keep, Is.False);
        });
    }

    [Test]
    public void A_count_has_no_date_and_the_reason_names_the_count()
    {
        var settings = RetentionSettings.Default with { RetainDaily = RetentionPeriod.Newest(2), RetainWeekly = RetentionPeriod.None };
        DateTimeOffset[] times = [At(6, 10), At(6, 11), At(6, 12), At(6, 15, 11)];
        var plan = Plan(settings, times);
        Assert.Multiple(() =>
        {
            Assert.That(Of(plan, At(6, 12)).Holds.Single().Describe(Utc), Is.EqualTo("daily (the 2 newest)"));
            Assert.That(Of(plan, At(6, 12)).NextChange, Is.EqualTo(new DateTimeOffset(2027, 6, 12, 12, 0, 1, TimeSpan.Zero)), "only decay has a date");
            Assert.That(RetentionPlan.Describe(Of(plan, At(6, 10)), settings, Utc), Does.Contain("the first of its day but not among the daily 2 newest"));
        });
    }
}
