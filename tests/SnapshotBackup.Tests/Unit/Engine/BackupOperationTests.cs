using Moq;
using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Core.Engine;
using SnapshotBackup.Core.FileSystem;
using SnapshotBackup.Core.Rsync;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Tests.Unit.Engine;

/// <summary>One backup run against a fake volume, rsync and source: what gets a snapshot and what does not.</summary>
public class BackupOperationTests
{
    private const string NowName = "2026-06-15T12:00:00+00:00";

    private FakeVolume _volume = null!;
    private BackupOperation _backup = null!;

    [SetUp]
    public void CreateVolume()
    {
        _volume = new FakeVolume();
        _backup = _volume.Engine().Backup;
    }

    private string AddBackup() => _volume.AddSnapshot(new DateTimeOffset(2026, 6, 14, 10, 0, 0, TimeSpan.Zero));

    private Task<BackupStepResult> Run(BackupRequest? request = null) => _backup.BackupAsync(_volume.Config, request ?? new BackupRequest(), CancellationToken.None);

    private void VerifyNoSnapshot() =>
        _volume.Btrfs.Verify(b => b.CreateSnapshot(It.IsAny<string>(), BackupVolume.SyncName, It.IsAny<string>(), true), Times.Never);

    [Test]
    public async Task A_first_backup_makes_sync_a_new_subvolume_rsyncs_into_it_and_snapshots_it_named_by_the_finish_time()
    {
        var outcome = await Run();

        Assert.That(outcome.SnapshotName, Is.EqualTo(NowName));
        Assert.That(outcome.BytesTransferred, Is.EqualTo(1234));
        Assert.That(_volume.RsyncRuns.Single().Destination, Is.EqualTo(FakeVolume.VolumePath + "/.sync"));
        _volume.Btrfs.Verify(b => b.CreateSubvolume(FakeVolume.VolumePath, BackupVolume.SyncName), Times.Once);
        _volume.Btrfs.Verify(b => b.CreateSnapshot(FakeVolume.VolumePath, BackupVolume.SyncName, NowName, true), Times.Once);
        _volume.Btrfs.Verify(b => b.SyncFileSystem(FakeVolume.VolumePath), Times.Once);
        _volume.Locks.Verify(l => l.Acquire(FakeVolume.VolumePath, "data1"), Times.Once);
    }

    [Test]
    public async Task A_missing_sync_is_made_from_the_newest_backup_so_rsync_copies_only_the_changes()
    {
        var newest = AddBackup();

        await Run();

        _volume.Btrfs.Verify(b => b.CreateSnapshot(FakeVolume.VolumePath, newest, BackupVolume.SyncName, false), Times.Once);
        _volume.Btrfs.Verify(b => b.CreateSubvolume(It.IsAny<string>(), It.IsAny<string>()), Times.Never);
    }

    [Test]
    public async Task A_name_already_taken_waits_for_the_next_second()
    {
        _volume.Entries[NowName] = SubvolumeKind.ReadOnlySubvolume;

        var outcome = await Run();

        Assert.That(outcome.SnapshotName, Is.EqualTo("2026-06-15T12:00:01+00:00"));
        Assert.That(_volume.Clock.Waits, Has.Count.EqualTo(1));
    }

    [Test]
    public void A_read_only_sync_is_refused_before_rsync_runs()
    {
        _volume.Entries[BackupVolume.SyncName] = SubvolumeKind.ReadOnlySubvolume;

        var e = Assert.ThrowsAsync<OperationFailedException>(() => Run());

        Assert.That(e!.Message, Does.Contain("is a read-only subvolume"));
        Assert.That(_volume.RsyncRuns, Is.Empty);
        VerifyNoSnapshot();
    }

    [Test]
    public void An_empty_source_is_refused_while_the_newest_backup_is_not_empty()
    {
        var newest = AddBackup();
        _volume.SourceEntries.Clear();

        var e = Assert.ThrowsAsync<SourceUnavailableException>(() => Run());

        Assert.That(e!.Message, Does.StartWith($"source {FakeVolume.Source} is empty while the newest backup {newest} is not"));
        Assert.That(_volume.RsyncRuns, Is.Empty);
        _volume.Btrfs.Verify(b => b.CreateSnapshot(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<string>(), It.IsAny<bool>()), Times.Never);
    }

    [Test]
    public async Task An_empty_source_is_backed_up_when_allow_empty_source_is_set()
    {
        AddBackup();
        _volume.SourceEntries.Clear();

        var outcome = await _backup.BackupAsync(_volume.Config with { AllowEmptySource = true }, new BackupRequest(), CancellationToken.None);

        Assert.That(outcome.SnapshotName, Is.EqualTo(NowName));
    }

    [Test]
    public async Task An_empty_source_is_backed_up_when_the_newest_backup_is_empty_too()
    {
        AddBackup();
        _volume.SourceEntries.Clear();
        _volume.SnapshotContents.Clear();

        var outcome = await Run();

        Assert.That(outcome.SnapshotName, Is.EqualTo(NowName));
    }

    [TestCase(false, TestName = "A_source_replaced_while_rsync_ran_gets_no_snapshot_and_sync_is_kept")]
    [TestCase(true, TestName = "A_source_gone_when_rsync_finished_gets_no_snapshot_and_sync_is_kept")]
    public void A_source_that_changed_under_rsync_gets_no_snapshot(bool gone)
    {
        AddBackup();
        _volume.DuringRsync = () => _volume.SourceIdentity = gone ? null : new FileIdentity(1, 999);

        var e = Assert.ThrowsAsync<SourceUnavailableException>(() => Run());

        Assert.That(e!.Message, Does.Contain("disappeared or was replaced while rsync copied it").And.Contain(".sync is kept"));
        VerifyNoSnapshot();
        Assert.That(_volume.Entries, Does.ContainKey(BackupVolume.SyncName));
    }

    [Test]
    public void A_full_volume_says_so_and_takes_no_snapshot()
    {
        _volume.Rsync.Setup(r => r.RunAsync(It.IsAny<RsyncOptions>(), It.IsAny<CancellationToken>(), It.IsAny<Action<int>?>()))
            .ThrowsAsync(new RsyncException(11, "rsync: write failed: No space left on device (28)"));
        _volume.Files.Setup(f => f.Space(FakeVolume.VolumePath)).Returns((0L, 10L << 30));

        var e = Assert.ThrowsAsync<OperationFailedException>(() => Run());

        Assert.That(e!.Message, Does.StartWith($"the backup volume is full: {FakeVolume.VolumePath} has 0.0 MiB free of 10.0 GiB"));
        VerifyNoSnapshot();
    }

    [Test]
    public async Task A_dry_run_compares_with_the_newest_backup_and_locks_creates_and_snapshots_nothing()
    {
        var newest = AddBackup();

        var outcome = await Run(new BackupRequest { DryRun = true });

        Assert.That(outcome.SnapshotName, Is.Null);
        var rsync = _volume.RsyncRuns.Single();
        Assert.That((rsync.DryRun, rsync.Destination), Is.EqualTo((true, FakeVolume.VolumePath + "/" + newest)));
        _volume.VerifyNothingWritten();
    }

    [Test]
    public async Task The_daemons_backup_waits_for_a_locked_volume()
    {
        await Run(new BackupRequest { LockWait = TimeSpan.FromHours(1) });

        _volume.Locks.Verify(l => l.AcquireAsync(FakeVolume.VolumePath, "data1", TimeSpan.FromHours(1),
            It.IsAny<Action<VolumeLockedException>?>(), CancellationToken.None), Times.Once);
        _volume.Locks.Verify(l => l.Acquire(It.IsAny<string>(), It.IsAny<string>()), Times.Never);
    }

    [Test]
    public async Task The_backup_step_holds_the_lock_until_its_result_is_disposed_so_retention_runs_under_it()
    {
        var lockHandle = new Mock<IDisposable>();
        _volume.Locks.Setup(l => l.Acquire(FakeVolume.VolumePath, "data1")).Returns(lockHandle.Object);

        var result = await Run();

        lockHandle.Verify(l => l.Dispose(), Times.Never);
        result.Dispose();
        lockHandle.Verify(l => l.Dispose(), Times.Once);
    }

    [Test]
    public void A_failed_backup_step_releases_the_lock()
    {
        var lockHandle = new Mock<IDisposable>();
        _volume.Locks.Setup(l => l.Acquire(FakeVolume.VolumePath, "data1")).Returns(lockHandle.Object);
        _volume.Entries[BackupVolume.SyncName] = SubvolumeKind.ReadOnlySubvolume;

        Assert.ThrowsAsync<OperationFailedException>(() => Run());

        lockHandle.Verify(l => l.Dispose(), Times.Once);
    }

    [Test]
    public void An_unreachable_source_is_refused_before_the_lock_and_rsync()
    {
        _volume.Probe.Setup(p => p.CheckAsync(FakeVolume.Source, It.IsAny<CancellationToken>()))
            .ThrowsAsync(new SourceUnavailableException($"source {FakeVolume.Source} does not exist (disk not mounted?)"));

        Assert.ThrowsAsync<SourceUnavailableException>(() => Run());

        Assert.That(_volume.RsyncRuns, Is.Empty);
        _volume.VerifyNothingWritten();
    }
}
