using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Core.Engine;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Tests.Unit.Engine;

/// <summary>The <c>.sync</c> decision table, row by row.</summary>
public class SyncDecisionTests
{
    private const string SyncPath = "/backups/data1/.sync";
    private static readonly Snapshot Newest = new("2026-06-15T11:00:00+00:00", new DateTimeOffset(2026, 6, 15, 11, 0, 0, TimeSpan.Zero));

    [TestCase(true)]
    [TestCase(false)]
    public void A_writable_sync_is_used_as_it_is(bool withBackups)
    {
        var decision = SyncDecision.Decide(SubvolumeKind.WritableSubvolume, withBackups ? Newest : null, SyncPath);

        Assert.That(decision, Is.EqualTo(new SyncDecision(SyncAction.Use)));
    }

    [Test]
    public void A_missing_sync_with_a_newest_backup_becomes_a_writable_snapshot_of_that_backup()
    {
        var decision = SyncDecision.Decide(SubvolumeKind.Missing, Newest, SyncPath);

        Assert.That(decision, Is.EqualTo(new SyncDecision(SyncAction.SnapshotNewest, Newest: Newest.Name)));
    }

    [Test]
    public void A_missing_sync_without_any_backup_becomes_a_new_subvolume()
    {
        var decision = SyncDecision.Decide(SubvolumeKind.Missing, null, SyncPath);

        Assert.That(decision, Is.EqualTo(new SyncDecision(SyncAction.CreateSubvolume)));
    }

    [Test]
    public void A_read_only_sync_is_refused_with_how_to_make_it_writable_or_clean_it()
    {
        var decision = SyncDecision.Decide(SubvolumeKind.ReadOnlySubvolume, Newest, SyncPath);

        Assert.That(decision.Action, Is.EqualTo(SyncAction.Refuse));
        Assert.That(decision.Refusal, Does.Contain("read-only subvolume")
            .And.Contain($"btrfs property set {SyncPath} ro false")
            .And.Contain("snapshotbackup clean NAME"));
    }

    [TestCase(SubvolumeKind.NotADirectory, "not a directory")]
    [TestCase(SubvolumeKind.Symlink, "a symlink")]
    [TestCase(SubvolumeKind.PlainDirectory, "a plain directory")]
    public void Anything_else_called_sync_is_refused_with_advice_to_move_it_out_of_the_way(SubvolumeKind kind, string described)
    {
        var decision = SyncDecision.Decide(kind, Newest, SyncPath);

        Assert.That(decision.Action, Is.EqualTo(SyncAction.Refuse));
        Assert.That(decision.Refusal, Does.StartWith($"{SyncPath} is {described}").And.Contain("move it out of the way"));
    }
}
