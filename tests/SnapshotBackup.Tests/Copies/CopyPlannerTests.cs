using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Core.Copies;
using SnapshotBackup.Core.Retention;
using SnapshotBackup.Core.Time;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Tests.Copies;

public sealed class CopyPlannerTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 15, 12, 0, 0, TimeSpan.Zero);
    private static readonly RetentionSettings Settings = RetentionSettings.Default;

    private static SourceSnapshot Snap(double daysAgo) =>
        Source(Now.AddDays(-daysAgo), Guid.NewGuid());

    private static SourceSnapshot Source(DateTimeOffset time, Guid uuid) =>
        new(SnapshotName.Format(time), time, new SubvolumeIdentity(uuid, Guid.Empty, Guid.NewGuid(), true, 10));

    private static CopyEntry CopyOf(SourceSnapshot snapshot, string? name = null)
    {
        name ??= snapshot.Name;
        Assert.That(SnapshotName.TryParse(name, out var time), Is.True);
        return new CopyEntry(name, time, SubvolumeKind.ReadOnlySubvolume,
            new SubvolumeIdentity(Guid.NewGuid(), snapshot.Identity.SendIdentity, Guid.Empty, true, 5));
    }

    private static CopyPlan Plan(IReadOnlyList<SourceSnapshot> source, IReadOnlyList<CopyEntry> target, bool autoPrune = false, bool autoDecay = false, RetentionSettings? settings = null) =>
        CopyPlanner.Plan(source, target, settings ?? Settings, autoPrune, autoDecay, Now, TimeZoneInfo.Utc);

    [Test]
    public void An_empty_target_gets_every_snapshot_oldest_first_the_first_in_full_then_each_from_the_one_before()
    {
        var s = new[] { Snap(3), Snap(2), Snap(1) };
        var plan = Plan([s[2], s[0], s[1]], []);
        Assert.That(plan.Sends.Select(x => x.Snapshot.Name), Is.EqualTo(s.Select(x => x.Name)));
        Assert.That(plan.Sends.Select(x => x.Parent?.Name), Is.EqualTo(new[] { null, s[0].Name, s[1].Name }));
        Assert.That(plan.Sends.SelectMany(x => x.CloneSources), Is.Empty);
        Assert.That(plan.CommonParent, Is.EqualTo(s[2]));
        Assert.That(plan.Foreign, Is.Empty);
    }

    [Test]
    public void Copies_are_matched_by_received_uuid_so_a_renamed_copy_is_the_parent_and_is_not_sent_again()
    {
        var s = new[] { Snap(3), Snap(2), Snap(1) };
        var renamed = CopyOf(s[1], SnapshotName.Format(Now.AddDays(-10)));
        var plan = Plan(s, [renamed]);
        Assert.That(plan.Sends.Select(x => x.Snapshot.Name), Is.EqualTo(new[] { s[0].Name, s[2].Name }));
        // The older one is back-filled from the nearest common snapshot (newer), the newest from s[1].
        Assert.That(plan.Sends[0].Parent, Is.EqualTo(s[1]));
        Assert.That(plan.Sends[1].Parent, Is.EqualTo(s[1]));
        Assert.That(plan.Sends[1].CloneSources, Is.Empty);
    }

    [Test]
    public void A_same_named_entry_that_is_not_a_copy_of_that_snapshot_is_reported_and_the_snapshot_is_not_sent()
    {
        var s = new[] { Snap(3), Snap(2), Snap(1) };
        var other = Snap(50);
        var copyOfAnother = CopyOf(other, s[1].Name); // a copy, but of another snapshot, under s[1]'s name
        var foreignDir = new CopyEntry(s[0].Name, s[0].Time, SubvolumeKind.PlainDirectory, null);
        var plan = Plan(s, [foreignDir, copyOfAnother]);
        Assert.That(plan.Sends.Select(x => x.Snapshot.Name), Is.EqualTo(new[] { s[2].Name }));
        Assert.That(plan.Sends[0].Parent, Is.Null, "nothing on the target is a copy of ours");
        Assert.That(plan.Foreign, Is.EquivalentTo(new[] { s[0].Name, s[1].Name }));
        Assert.That(plan.Blocked, Is.EquivalentTo(new[] { s[0].Name, s[1].Name }));
    }

    [Test]
    public void A_foreign_subvolume_a_partial_receive_and_a_read_only_subvolume_not_received_are_foreign()
    {
        var s = Snap(1);
        var writable = new CopyEntry(SnapshotName.Format(Now.AddDays(-7)), Now.AddDays(-7), SubvolumeKind.WritableSubvolume,
            new SubvolumeIdentity(Guid.NewGuid(), Guid.Empty, Guid.Empty, false, 1));
        var readOnly = new CopyEntry(SnapshotName.Format(Now.AddDays(-6)), Now.AddDays(-6), SubvolumeKind.ReadOnlySubvolume,
            new SubvolumeIdentity(Guid.NewGuid(), Guid.Empty, Guid.Empty, true, 1));
        var plan = Plan([s], [writable, readOnly], autoDecay: true, settings: Settings with { Decay = new Duration(1, DurationUnit.Day) });
        Assert.That(plan.Foreign, Is.EquivalentTo(new[] { writable.Name, readOnly.Name }));
        Assert.That(plan.Deletions, Is.Empty, "only finished copies are ever deleted");
        Assert.That(plan.Sends.Single().Parent, Is.Null);
    }

    [Test]
    public void A_snapshot_the_target_holds_is_the_parent_of_the_next_and_the_one_sent_before_it_in_the_same_run()
    {
        var s = new[] { Snap(4), Snap(3), Snap(2), Snap(1) };
        var plan = Plan(s, [CopyOf(s[0]), CopyOf(s[1])]);
        Assert.That(plan.Sends.Select(x => (x.Snapshot.Name, x.Parent?.Name)),
            Is.EqualTo(new[] { (s[2].Name, (string?)s[1].Name), (s[3].Name, s[2].Name) }));
    }

    [Test]
    public void A_back_filled_snapshot_has_the_common_snapshot_after_it_as_its_clone_source()
    {
        var s = new[] { Snap(3), Snap(2), Snap(1) };
        var plan = Plan(s, [CopyOf(s[0]), CopyOf(s[2])]);
        var send = plan.Sends.Single();
        Assert.That(send.Snapshot, Is.EqualTo(s[1]));
        Assert.That(send.Parent, Is.EqualTo(s[0]));
        Assert.That(send.CloneSources, Is.EqualTo(new[] { s[2] }));
    }

    [Test]
    public void Only_what_the_copy_retention_wants_is_sent_with_auto_prune_and_auto_decay_and_always_the_newest()
    {
        // retain_all 1 day, retain_daily 1 month, decay 1 year (defaults): two of the same old day, the second is pruned.
        var day = Now.AddDays(-10);
        var first = Source(day, Guid.NewGuid());
        var second = Source(day.AddHours(1), Guid.NewGuid());
        var ancient = Source(Now.AddYears(-2), Guid.NewGuid());
        var newest = Source(Now.AddHours(-1), Guid.NewGuid());
        var all = new[] { ancient, first, second, newest };

        Assert.That(Plan(all, []).Sends, Has.Count.EqualTo(4), "without auto_prune/auto_decay every snapshot is wanted");
        Assert.That(Plan(all, [], autoPrune: true).Sends.Select(x => x.Snapshot), Is.EqualTo(new[] { ancient, first, newest }));
        Assert.That(Plan(all, [], autoDecay: true).Sends.Select(x => x.Snapshot), Is.EqualTo(new[] { first, second, newest }));
        Assert.That(Plan(all, [], autoPrune: true, autoDecay: true).Sends.Select(x => x.Snapshot), Is.EqualTo(new[] { first, newest }));

        var old = Source(Now.AddYears(-3), Guid.NewGuid());
        Assert.That(Plan([old], [], autoPrune: true, autoDecay: true).Sends.Single().Snapshot, Is.EqualTo(old), "the newest is always wanted");
    }

    [Test]
    public void Target_retention_never_deletes_the_newest_copy_or_the_common_parent()
    {
        var settings = Settings with { Decay = new Duration(1, DurationUnit.Day) };
        var x = Snap(10);
        var y = Snap(9);
        var z = Snap(8);
        // The source still holds x only (y and z were pruned there): x's copy is the common parent.
        var copies = new[] { CopyOf(x), CopyOf(y), CopyOf(z) }.Select(c => (c.Name, c.Time, c.Identity!.Value.ReceivedUuid)).ToList();
        var deletions = CopyPlanner.TargetDeletions(copies, [x], settings, autoPrune: false, autoDecay: true, Now, TimeZoneInfo.Utc);
        Assert.That(deletions, Is.EqualTo(new[] { y.Name }));

        Assert.That(CopyPlanner.TargetDeletions(copies, [x], settings, autoPrune: false, autoDecay: false, Now, TimeZoneInfo.Utc), Is.Empty,
            "without auto_decay nothing decays");
    }

    [Test]
    public void Target_retention_after_the_sends_counts_the_copies_just_sent()
    {
        var settings = Settings with { Decay = new Duration(1, DurationUnit.Day) };
        var old1 = Snap(5);
        var old2 = Snap(4);
        var fresh = Snap(0.1);
        var plan = Plan([old1, old2, fresh], [CopyOf(old1), CopyOf(old2)], autoDecay: true, settings: settings);
        Assert.That(plan.Sends.Single().Snapshot, Is.EqualTo(fresh));
        Assert.That(plan.Sends.Single().Parent, Is.EqualTo(old2));
        Assert.That(plan.Deletions, Is.EquivalentTo(new[] { old1.Name, old2.Name }), "the new copy is the newest and the common parent");
        Assert.That(plan.CommonParent, Is.EqualTo(fresh));
    }

    [Test]
    public void A_snapshot_that_was_itself_received_is_matched_by_its_received_uuid()
    {
        var time = Now.AddDays(-1);
        var origin = Guid.NewGuid();
        var received = new SourceSnapshot(SnapshotName.Format(time), time, new SubvolumeIdentity(Guid.NewGuid(), origin, Guid.Empty, true, 3));
        var copy = new CopyEntry(received.Name, time, SubvolumeKind.ReadOnlySubvolume, new SubvolumeIdentity(Guid.NewGuid(), origin, Guid.Empty, true, 3));
        Assert.That(Plan([received], [copy]).Sends, Is.Empty);
    }
}
