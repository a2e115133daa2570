using Moq;
using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Core.Engine;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Tests.Unit.Engine;

/// <summary>Setup, list, destroy and clean against a fake volume, mount table and file system.</summary>
public class VolumeMaintenanceTests
{
    private FakeVolume _volume = null!;
    private VolumeMaintenance _maintenance = null!;

    [SetUp]
    public void CreateVolume()
    {
        _volume = new FakeVolume();
        _maintenance = _volume.Engine().Maintenance;
    }

    private string AddBackup(int day) => _volume.AddSnapshot(new DateTimeOffset(2026, 6, day, 10, 0, 0, TimeSpan.Zero));

    [Test]
    public void Setup_creates_a_missing_backups_directory_below_a_btrfs_directory()
    {
        var config = _volume.Config with { Backups = "/backups/new/data1" };

        _maintenance.Setup(config);

        _volume.Files.Verify(f => f.CreateDirectory("/backups/new/data1"), Times.Once);
    }

    [Test]
    public void Setup_refuses_a_path_that_would_not_be_on_btrfs_and_creates_nothing()
    {
        var config = _volume.Config with { Backups = "/srv/backups/data1" };

        var e = Assert.Throws<OperationFailedException>(() => _maintenance.Setup(config));

        Assert.That(e!.Message, Does.Contain("would not be on a btrfs filesystem (/srv is not)").And.EndWith("Nothing was created."));
        _volume.VerifyNothingWritten();
    }

    [Test]
    public void Setup_refuses_an_fstab_mount_point_that_is_not_mounted_and_creates_nothing()
    {
        var config = _volume.Config with { Backups = "/mnt/usb/backups" };
        _volume.Mounts.Setup(m => m.UnmountedMountPoint("/mnt/usb/backups")).Returns("/mnt/usb");

        var e = Assert.Throws<OperationFailedException>(() => _maintenance.Setup(config));

        Assert.That(e!.Message, Does.StartWith("/mnt/usb/backups is on /mnt/usb, which /etc/fstab mounts but is not mounted now"));
        _volume.VerifyNothingWritten();
    }

    [Test]
    public void A_dry_run_of_setup_creates_nothing()
    {
        _maintenance.Setup(_volume.Config with { Backups = "/backups/new/data1" }, dryRun: true);

        _volume.VerifyNothingWritten();
    }

    [Test]
    public void Setup_of_an_existing_backups_directory_changes_nothing()
    {
        _maintenance.Setup(_volume.Config);

        _volume.VerifyNothingWritten();
    }

    [Test]
    public void List_gives_every_backup_oldest_first_with_the_newest_marked_last()
    {
        var older = AddBackup(10);
        var newer = AddBackup(14);
        _volume.AddSnapshot(new DateTimeOffset(2026, 6, 12, 10, 0, 0, TimeSpan.Zero), SubvolumeKind.PlainDirectory);

        var entries = _maintenance.List(_volume.Config);

        Assert.That(entries.Select(e => e.Name), Is.EqualTo(new[] { older, newer }));
        Assert.That(entries.Select(e => e.Last), Is.EqualTo(new[] { false, true }));
        _volume.VerifyNothingWritten();
    }

    [Test]
    public void List_refuses_a_backups_directory_that_is_not_on_btrfs()
    {
        _volume.Btrfs.Setup(b => b.IsBtrfs(FakeVolume.VolumePath)).Returns(false);

        Assert.Throws<VolumeUnavailableException>(() => _maintenance.List(_volume.Config));
    }

    [Test]
    public void Destroy_deletes_every_backup_sync_the_lock_file_and_the_directory()
    {
        var backups = new[] { AddBackup(10), AddBackup(14) };
        _volume.Entries[BackupVolume.SyncName] = SubvolumeKind.WritableSubvolume;

        var outcome = _maintenance.Destroy(_volume.Config, names => names.Count == 2);

        Assert.That(outcome.Deleted, Is.EqualTo(backups));
        _volume.Btrfs.Verify(b => b.DeleteSubvolume(FakeVolume.VolumePath, BackupVolume.SyncName), Times.Once);
        _volume.Files.Verify(f => f.DeleteFile(FakeVolume.VolumePath + "/" + VolumeLock.FileName), Times.Once);
        _volume.Files.Verify(f => f.DeleteDirectory(FakeVolume.VolumePath), Times.Once);
    }

    [Test]
    public void Destroy_leaves_the_directory_when_it_holds_entries_that_are_not_backups()
    {
        AddBackup(10);
        _volume.AddSnapshot(new DateTimeOffset(2026, 6, 12, 10, 0, 0, TimeSpan.Zero), SubvolumeKind.PlainDirectory);

        var outcome = _maintenance.Destroy(_volume.Config, _ => true);

        Assert.That(outcome.Skipped, Has.Count.EqualTo(1));
        _volume.Files.Verify(f => f.DeleteDirectory(It.IsAny<string>()), Times.Never);
    }

    [Test]
    public void A_destroy_whose_deletions_are_not_permitted_keeps_sync_the_lock_file_and_the_directory()
    {
        AddBackup(10);
        AddBackup(14);
        _volume.Entries[BackupVolume.SyncName] = SubvolumeKind.WritableSubvolume;
        _volume.Directory.Setup(d => d.DeleteSubvolume(It.IsAny<string>()))
            .Throws(new SubvolumeDeletionDeniedException("cannot delete it: user foo may not", "/x"));

        var outcome = _maintenance.Destroy(_volume.Config, _ => true);

        Assert.That(outcome.Failure, Does.StartWith("cannot delete it: user foo may not"));
        Assert.That(outcome.Deleted, Is.Empty);
        _volume.Btrfs.Verify(b => b.DeleteSubvolume(It.IsAny<string>(), It.IsAny<string>()), Times.Never);
        _volume.Files.Verify(f => f.DeleteFile(It.IsAny<string>()), Times.Never);
        _volume.Files.Verify(f => f.DeleteDirectory(It.IsAny<string>()), Times.Never);
    }

    [Test]
    public void A_declined_destroy_deletes_nothing()
    {
        var backups = new[] { AddBackup(10), AddBackup(14) };

        var outcome = _maintenance.Destroy(_volume.Config, _ => false);

        Assert.That(outcome.Declined, Is.EqualTo(backups));
        _volume.Directory.Verify(d => d.DeleteSubvolume(It.IsAny<string>()), Times.Never);
        _volume.Files.Verify(f => f.DeleteDirectory(It.IsAny<string>()), Times.Never);
    }

    [Test]
    public void A_dry_run_of_destroy_plans_every_backup_sync_and_the_directory_and_changes_nothing()
    {
        var backups = new[] { AddBackup(10), AddBackup(14) };
        _volume.Entries[BackupVolume.SyncName] = SubvolumeKind.WritableSubvolume;

        var outcome = _maintenance.PlanDestroy(_volume.Config);

        Assert.That(outcome.WouldDelete.Select(p => p.Name), Is.EqualTo(backups.Append(BackupVolume.SyncName).Append(FakeVolume.VolumePath)));
        Assert.That(outcome.WouldDelete[^1].Reason, Does.StartWith("destroy: the backups directory"));
        _volume.VerifyNothingWritten();
    }

    [Test]
    public void Clean_deletes_sync_under_the_lock()
    {
        _volume.Entries[BackupVolume.SyncName] = SubvolumeKind.WritableSubvolume;

        _maintenance.Clean(_volume.Config);

        _volume.Btrfs.Verify(b => b.DeleteSubvolume(FakeVolume.VolumePath, BackupVolume.SyncName), Times.Once);
        _volume.Locks.Verify(l => l.Acquire(FakeVolume.VolumePath, "data1"), Times.Once);
    }

    [TestCase(SubvolumeKind.WritableSubvolume, true)]
    [TestCase(SubvolumeKind.Missing, false)]
    public void A_dry_run_of_clean_says_what_it_would_delete_and_changes_nothing(SubvolumeKind sync, bool planned)
    {
        _volume.Entries[BackupVolume.SyncName] = sync;

        var plan = _maintenance.PlanClean(_volume.Config);

        Assert.That(plan?.Name, planned ? Is.EqualTo(BackupVolume.SyncName) : Is.Null);
        _volume.VerifyNothingWritten();
    }

    [Test]
    public void Clean_leaves_a_sync_that_is_not_a_subvolume_alone_and_says_so()
    {
        _volume.Entries[BackupVolume.SyncName] = SubvolumeKind.PlainDirectory;

        var e = Assert.Throws<OperationFailedException>(() => _maintenance.Clean(_volume.Config));

        Assert.That(e!.Message, Does.Contain("not a subvolume; it was left alone"));
        _volume.Btrfs.Verify(b => b.DeleteSubvolume(It.IsAny<string>(), It.IsAny<string>()), Times.Never);
    }
}
