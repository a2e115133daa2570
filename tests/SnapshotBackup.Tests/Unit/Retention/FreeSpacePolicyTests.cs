using SnapshotBackup.Core.Retention;
using SnapshotBackup.Core.Time;

namespace SnapshotBackup.Tests.Unit.Retention;

/// <summary>min_free's order: prune candidates, decay candidates, then the oldest kept; never the newest or a protected one.</summary>
public sealed class FreeSpacePolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 15, 12, 0, 0, TimeSpan.Zero);

    // retain_all 1 day, retain_daily 1 month, decay 1 year.
    private static readonly RetentionSettings Settings = new(new Duration(1, DurationUnit.Day), new Duration(1, DurationUnit.Month), new Duration(1, DurationUnit.Year));

    /// <summary>
    /// Two years ago (10:00 weekly: a decay candidate only; 10:05: prune and decay), twenty days ago (10:00 kept daily;
    /// 10:05 a prune candidate), ten days ago likewise, and an hour ago (the newest).
    /// </summary>
    private static IReadOnlyList<BackupEntry> Entries(params (int DaysAgo, int Minute)[] extra)
    {
        var times = new List<DateTimeOffset>();
        foreach (var days in new[] { 730, 20, 10 })
        {
            var day = Now.Date.AddDays(-days);
            times.Add(new DateTimeOffset(day.AddHours(10), TimeSpan.Zero));
            times.Add(new DateTimeOffset(day.AddHours(10).AddMinutes(5), TimeSpan.Zero));
        }
        times.AddRange(extra.Select(e => new DateTimeOffset(Now.Date.AddDays(-e.DaysAgo).AddHours(10).AddMinutes(e.Minute), TimeSpan.Zero)));
        times.Add(Now.AddHours(-1));
        return RetentionPolicy.Evaluate(times.Select(t => (Name(t), t)), Settings, Now, TimeZoneInfo.Utc);
    }

    private static string Name(DateTimeOffset t) => t.ToString("yyyy-MM-ddTHH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture);

    private static string At(int daysAgo, int minute) => Name(new DateTimeOffset(Now.Date.AddDays(-daysAgo).AddHours(10).AddMinutes(minute), TimeSpan.Zero));

    [Test]
    public void Prune_candidates_go_first_then_decay_candidates_then_the_oldest_kept_each_oldest_first()
    {
        var order = FreeSpacePolicy.Order(Entries(), _ => false);

        Assert.That(order, Is.EqualTo(new[]
        {
            new FreeSpaceDeletion(At(730, 5), FreeSpaceReason.PruneCandidate),
            new FreeSpaceDeletion(At(20, 5), FreeSpaceReason.PruneCandidate),
            new FreeSpaceDeletion(At(10, 5), FreeSpaceReason.PruneCandidate),
            new FreeSpaceDeletion(At(730, 0), FreeSpaceReason.DecayCandidate),
            new FreeSpaceDeletion(At(20, 0), FreeSpaceReason.OldestKept),
            new FreeSpaceDeletion(At(10, 0), FreeSpaceReason.OldestKept),
        }));
        Assert.That(order.Select(d => d.ToString()), Does.Contain($"{At(730, 0)} (decay candidate)").And.Contain($"{At(20, 0)} (oldest kept by retention)")
            .And.Contain($"{At(20, 5)} (prune candidate)"));
    }

    [Test]
    public void The_newest_is_never_in_the_order_even_when_everything_else_is_protected()
    {
        var entries = Entries();
        var newest = entries[^1].Name;

        Assert.That(FreeSpacePolicy.Order(entries, _ => false).Select(d => d.Name), Does.Not.Contain(newest));
        Assert.That(FreeSpacePolicy.Order(entries, name => name != newest), Is.Empty);
        Assert.That(FreeSpacePolicy.Order(entries.Take(1).ToList(), _ => false), Is.Empty, "a single backup is the newest");
        Assert.That(FreeSpacePolicy.Order([], _ => false), Is.Empty);
    }

    [Test]
    public void Protected_snapshots_pinned_or_copy_parents_are_passed_by_and_the_rest_keep_their_order()
    {
        var kept = new HashSet<string> { At(20, 5), At(730, 0) };

        var order = FreeSpacePolicy.Order(Entries(), kept.Contains);

        Assert.That(order.Select(d => d.Name), Is.EqualTo(new[] { At(730, 5), At(10, 5), At(20, 0), At(10, 0) }));
    }

    [Test]
    public void A_snapshot_both_prune_and_decay_would_delete_counts_as_a_prune_candidate()
    {
        var entry = Entries().Single(e => e.Name == At(730, 5));
        Assert.That(entry.PruneCandidate && entry.DecayCandidate, Is.True, "the premise");

        Assert.That(FreeSpacePolicy.Order(Entries(), _ => false).Single(d => d.Name == entry.Name).Reason, Is.EqualTo(FreeSpaceReason.PruneCandidate));
    }
}
