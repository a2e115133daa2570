using NUnit.Framework;
using SnapshotBackup.Core;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Tests.Unit.Volume;

public class SnapshotSelectorTests
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.FromHours(1));

    private static VolumeListing Listing(params string[] names) =>
        new([.. names.Select(n => SnapshotName.TryParse(n, out var t) ? new Snapshot(n, t) : throw new ArgumentException(n))], []);

    private static readonly VolumeListing Three = Listing("2026-11-29T18:00:00+01:00", "2026-11-30T18:00:00+01:00", "2026-12-01T09:30:00+01:00");

    [Test]
    public void A_full_name_or_a_unique_prefix_picks_that_snapshot()
    {
        Assert.That(SnapshotSelector.ByName(Three, "2026-11-30T18:00:00+01:00", "/b").Name, Is.EqualTo("2026-11-30T18:00:00+01:00"));
        Assert.That(SnapshotSelector.ByName(Three, "2026-12", "/b").Name, Is.EqualTo("2026-12-01T09:30:00+01:00"));
    }

    [Test]
    public void An_ambiguous_prefix_names_the_candidates_and_an_unknown_name_the_range()
    {
        var ambiguous = Assert.Throws<UsageException>(() => SnapshotSelector.ByName(Three, "2026-11", "/b"))!;
        Assert.That(ambiguous.Message, Does.Contain("names 2 snapshots").And.Contain("2026-11-29T18:00:00+01:00"));
        var unknown = Assert.Throws<UsageException>(() => SnapshotSelector.ByName(Three, "2025", "/b"))!;
        Assert.That(unknown.Message, Does.Contain("run from 2026-11-29T18:00:00+01:00 to 2026-12-01T09:30:00+01:00"));
        Assert.Throws<UsageException>(() => SnapshotSelector.ByName(Three, "", "/b"));
    }

    [TestCase("yesterday", "2026-12-01T09:30:00+01:00")]
    [TestCase("2 days ago", "2026-11-29T18:00:00+01:00")]
    [TestCase("1 day 18 hours", "2026-11-30T18:00:00+01:00")]
    [TestCase("2026-12-01", "2026-11-30T18:00:00+01:00")]
    [TestCase("2026-12-01T09:30", "2026-12-01T09:30:00+01:00")]
    [TestCase("2026-12-01 09:29", "2026-11-30T18:00:00+01:00")]
    [TestCase("2026-12-01T08:30:00Z", "2026-12-01T09:30:00+01:00")]
    [TestCase("2026-11-30T18:00:00+01:00", "2026-11-30T18:00:00+01:00")]
    public void At_picks_the_newest_snapshot_at_or_before_the_time(string when, string expected)
    {
        Assert.That(SnapshotSelector.AtOrBefore(Three, when, Now, Berlin, "/b").Name, Is.EqualTo(expected));
    }

    [TestCase("in 2 days")]
    [TestCase("tomorrow")]
    [TestCase("2026-13-01")]
    [TestCase("last friday")]
    public void At_refuses_what_is_not_a_past_time(string when)
    {
        Assert.That(() => SnapshotSelector.ParseWhen(when, Now, Berlin), Throws.TypeOf<UsageException>().With.Message.Contains("expected a time"));
    }

    [Test]
    public void At_before_the_oldest_snapshot_says_which_is_the_oldest()
    {
        var e = Assert.Throws<UsageException>(() => SnapshotSelector.AtOrBefore(Three, "2026-11-01", Now, Berlin, "/b"))!;
        Assert.That(e.Message, Does.Contain("the oldest is 2026-11-29T18:00:00+01:00"));
    }

    [Test]
    public void Choose_defaults_to_the_newest_and_refuses_both_from_and_at()
    {
        Assert.That(SnapshotSelector.Choose(Three, null, null, Now, Berlin, "/b").Name, Is.EqualTo("2026-12-01T09:30:00+01:00"));
        Assert.That(() => SnapshotSelector.Choose(Three, "2026", "yesterday", Now, Berlin, "/b"), Throws.TypeOf<UsageException>());
        Assert.That(() => SnapshotSelector.Choose(Listing(), null, null, Now, Berlin, "/b"),
            Throws.TypeOf<UsageException>().With.Message.Contains("no snapshots yet"));
    }
}
