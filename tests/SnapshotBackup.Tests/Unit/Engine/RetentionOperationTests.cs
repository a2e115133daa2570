using Moq;
using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Core.Engine;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Tests.Unit.Engine;

/// <summary>Prune and decay through a fake btrfs: exactly the candidates go, never the newest, dry runs touch nothing.</summary>
public class RetentionOperationTests
{
    private static DateTimeOffset At(int year, int month, int day, int hour) => new(year, month, day, hour, 0, 0, TimeSpan.Zero);

    private FakeVolume _volume = null!;
    private RetentionOperation _retention = null!;

    [SetUp]
    public void CreateVolume()
    {
        _volume = new FakeVolume();
        _retention = _volume.Engine().Retention;
    }

    /// <summary>Now is 2026-06-15 12:00; retain_all 1 day, retain_daily 1 month, decay 1 year (the defaults).</summary>
    private (List<string> PruneCandidates, List<string> Kept) AddMixedBackups()
    {
        var weeklyOld = _volume.AddSnapshot(At(2024, 1, 1, 10));
        var secondOfOldDay = _volume.AddSnapshot(At(2024, 1, 1, 11));
        var daily = _volume.AddSnapshot(At(2026, 6, 10, 10));
        var secondOfDay = _volume.AddSnapshot(At(2026, 6, 10, 11));
        var recent = _volume.AddSnapshot(At(2026, 6, 15, 11));
        return ([secondOfOldDay, secondOfDay], [weeklyOld, daily, recent]);
    }

    private void VerifyDeletedExactly(IReadOnlyCollection<string> names)
    {
        foreach (var name in names)
        {
            _volume.Directory.Verify(d => d.DeleteSubvolume(name), Times.Once);
        }
        _volume.Directory.Verify(d => d.DeleteSubvolume(It.Is<string>(n => !names.Contains(n))), Times.Never);
    }

    [Test]
    public void Prune_deletes_exactly_the_prune_candidates_under_the_lock()
    {
        var (candidates, kept) = AddMixedBackups();

        var outcome = _retention.Prune(_volume.Config, _ => true);

        Assert.That(outcome.Deleted, Is.EquivalentTo(candidates));
        Assert.That(_volume.Snapshots(), Is.EquivalentTo(kept));
        VerifyDeletedExactly(candidates);
        _volume.Locks.Verify(l => l.Acquire(FakeVolume.VolumePath, "data1"), Times.Once);
    }

    [Test]
    public void Prune_never_deletes_the_newest_backup_even_when_the_policy_would_give_it_up()
    {
        var first = _volume.AddSnapshot(At(2024, 1, 1, 10));
        var second = _volume.AddSnapshot(At(2024, 1, 1, 11));
        var newest = _volume.AddSnapshot(At(2024, 1, 1, 12));

        var outcome = _retention.Prune(_volume.Config, _ => true);

        Assert.That(outcome.Deleted, Is.EqualTo(new[] { second }));
        Assert.That(_volume.Snapshots(), Is.EqualTo(new[] { first, newest }));
    }

    [Test]
    public void Decay_deletes_exactly_the_backups_older_than_decay_but_never_the_newest()
    {
        var oldest = _volume.AddSnapshot(At(2024, 1, 1, 10));
        var older = _volume.AddSnapshot(At(2024, 6, 1, 10));
        var newest = _volume.AddSnapshot(At(2025, 1, 1, 10));

        var outcome = _retention.Decay(_volume.Config, _ => true);

        Assert.That(outcome.Deleted, Is.EquivalentTo(new[] { oldest, older }));
        Assert.That(_volume.Snapshots(), Is.EqualTo(new[] { newest }));
        VerifyDeletedExactly([oldest, older]);
    }

    [Test]
    public void A_declined_candidate_is_kept_and_reported_as_declined()
    {
        var (candidates, _) = AddMixedBackups();

        var outcome = _retention.Prune(_volume.Config, e => e.Name != candidates[0]);

        Assert.That(outcome.Deleted, Is.EqualTo(new[] { candidates[1] }));
        Assert.That(outcome.Declined, Is.EqualTo(new[] { candidates[0] }));
        VerifyDeletedExactly([candidates[1]]);
    }

    [Test]
    public void Entries_with_a_backups_name_that_are_not_read_only_snapshots_are_skipped_reported_and_never_deleted()
    {
        AddMixedBackups();
        var plain = _volume.AddSnapshot(At(2024, 1, 1, 12), SubvolumeKind.PlainDirectory);
        var writable = _volume.AddSnapshot(At(2024, 1, 1, 13), SubvolumeKind.WritableSubvolume);

        var outcome = _retention.Prune(_volume.Config, _ => true);

        Assert.That(outcome.Skipped, Is.EquivalentTo(new[]
        {
            $"{plain} (a plain directory, not a snapshot)",
            $"{writable} (a writable subvolume, not a read-only snapshot)",
        }));
        _volume.Directory.Verify(d => d.DeleteSubvolume(plain), Times.Never);
        _volume.Directory.Verify(d => d.DeleteSubvolume(writable), Times.Never);
    }

    [Test]
    public void A_candidate_that_stopped_being_a_read_only_snapshot_before_its_turn_is_skipped_and_reported()
    {
        var (candidates, _) = AddMixedBackups();
        var swapped = candidates.Max(StringComparer.Ordinal)!;

        var outcome = _retention.Prune(_volume.Config, _ =>
        {
            _volume.Entries[swapped] = SubvolumeKind.Symlink;
            return true;
        });

        Assert.That(outcome.Skipped, Is.EqualTo(new[] { $"{swapped} (a symlink)" }));
        _volume.Directory.Verify(d => d.DeleteSubvolume(swapped), Times.Never);
    }

    [Test]
    public void A_failed_deletion_is_reported_as_failed_with_its_reason_and_the_others_still_go()
    {
        var (candidates, _) = AddMixedBackups();
        _volume.Directory.Setup(d => d.DeleteSubvolume(candidates[0])).Throws(new BtrfsException("cannot delete subvolume: Device or resource busy"));

        var outcome = _retention.Prune(_volume.Config, _ => true);

        Assert.That(outcome.Deleted, Is.EqualTo(new[] { candidates[1] }));
        Assert.That(outcome.Failed, Is.EqualTo(new[] { $"{candidates[0]} (cannot delete subvolume: Device or resource busy)" }));
        Assert.That(outcome.Skipped, Is.Empty);
        Assert.That(outcome.Failure, Is.EqualTo($"could not delete {candidates[0]} (cannot delete subvolume: Device or resource busy)"));
    }

    [Test]
    public void A_deletion_the_user_is_not_allowed_stops_the_prune_before_the_next_is_asked_about_or_tried()
    {
        var (candidates, kept) = AddMixedBackups();
        _volume.Directory.Setup(d => d.DeleteSubvolume(It.IsAny<string>()))
            .Throws(new SubvolumeDeletionDeniedException("cannot delete it: user foo may not ... these two sudoers lines", "/x"));
        var asked = new List<string>();

        var outcome = _retention.Prune(_volume.Config, e =>
        {
            asked.Add(e.Name);
            return true;
        });

        Assert.That(asked, Has.Count.EqualTo(1), "one refusal says it all: no more questions, no more sudo attempts");
        Assert.That(outcome.Deleted, Is.Empty);
        Assert.That(outcome.Failed, Is.EqualTo(new[] { $"{asked[0]} (not permitted)" }));
        Assert.That(outcome.Failure, Does.StartWith("cannot delete it: user foo may not").And.EndWith("\n1 more backups to delete were not tried."));
        _volume.Directory.Verify(d => d.DeleteSubvolume(It.IsAny<string>()), Times.Once);
        Assert.That(_volume.Snapshots(), Is.EquivalentTo(kept.Concat(candidates)));
    }

    [Test]
    public void A_prune_without_failures_has_no_failure()
    {
        AddMixedBackups();

        var outcome = _retention.Prune(_volume.Config, _ => true);

        Assert.That(outcome.Failed, Is.Empty);
        Assert.That(outcome.Failure, Is.Null);
    }

    [TestCase(false)]
    [TestCase(true)]
    public void A_dry_run_plans_exactly_the_candidates_with_reasons_and_locks_creates_and_deletes_nothing(bool decay)
    {
        var (pruneCandidates, _) = AddMixedBackups();
        var plain = _volume.AddSnapshot(At(2024, 1, 1, 12), SubvolumeKind.PlainDirectory);
        var expected = decay ? _volume.Snapshots().Where(n => n.StartsWith("2024", StringComparison.Ordinal)).ToList() : pruneCandidates;

        var outcome = _retention.PlanDeleteCandidates(_volume.Config, decay);

        Assert.That(outcome.WouldDelete.Select(p => p.Name), Is.EquivalentTo(expected));
        Assert.That(outcome.WouldDelete.Select(p => p.Reason), Has.All.StartWith(decay ? "decay candidate" : "prune candidate"));
        Assert.That(outcome.Deleted, Is.Empty);
        Assert.That(outcome.Skipped, Is.EqualTo(new[] { $"{plain} (a plain directory, not a snapshot)" }));
        _volume.VerifyNothingWritten();
    }

    [Test]
    public void Prune_refuses_a_backups_directory_on_an_fstab_mount_point_that_is_not_mounted_and_deletes_nothing()
    {
        AddMixedBackups();
        _volume.Mounts.Setup(m => m.UnmountedMountPoint(FakeVolume.VolumePath)).Returns(FakeVolume.BtrfsRoot);

        var e = Assert.Throws<VolumeUnavailableException>(() => _retention.Prune(_volume.Config, _ => true));

        Assert.That(e!.Message, Does.Contain("which /etc/fstab mounts but is not mounted now"));
        _volume.VerifyNothingWritten();
    }

    [TestCase("UTC", false)]
    [TestCase("Europe/Berlin", true)]
    public void Prune_counts_durations_on_the_clocks_local_time_zone(string zone, bool pruned)
    {
        // Now is 2026-06-15 12:00Z = 14:00 CEST. Three months back on Berlin's wall clock is 15 March 14:00 CET,
        // 13:00Z, so the daily backup of 15 March at 12:30Z (not the first of its week) is outside retain_daily;
        // on a UTC clock the cut-off is 12:00Z and it is inside.
        _volume.Clock.Zone = TimeZoneInfo.FindSystemTimeZoneById(zone);
        var config = _volume.Config with { RetainDaily = Core.Time.Duration.Parse("3 months") };
        _volume.AddSnapshot(new DateTimeOffset(2026, 3, 9, 10, 0, 0, TimeSpan.Zero));
        var daily = _volume.AddSnapshot(new DateTimeOffset(2026, 3, 15, 12, 30, 0, TimeSpan.Zero));
        _volume.AddSnapshot(At(2026, 6, 15, 11));

        var outcome = _retention.Prune(config, _ => true);

        Assert.That(outcome.Deleted, pruned ? Is.EqualTo(new[] { daily }) : Is.Empty);
    }
}
