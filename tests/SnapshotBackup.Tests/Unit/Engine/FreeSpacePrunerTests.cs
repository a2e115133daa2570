using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Engine;
using SnapshotBackup.Core.Retention;
using SnapshotBackup.Core.Rsync;

namespace SnapshotBackup.Tests.Unit.Engine;

/// <summary>
/// min_free in a backup against a fake volume whose deletions free space only once the cleaner ran (as btrfs does):
/// what it deletes, when it stops, the one rsync retry, and where it deletes nothing.
/// </summary>
public sealed class FreeSpacePrunerTests
{
    private const long GiB = 1L << 30;

    private FakeVolume _volume = null!;
    private Mock<IBtrfsCleaner> _cleaner = null!;
    private long _available;
    private long _pending;
    private long _freedPerDeletion;
    private string _decayCandidate = null!;
    private string _pruneCandidate = null!;
    private string _kept = null!;
    private string _newest = null!;

    [SetUp]
    public void SetUp()
    {
        _volume = new FakeVolume();
        // 400 days old at 10:00 (weekly: decay's only) and 10:05 (prune's too), two hours old (kept), one hour (newest).
        var old = new DateTimeOffset(FakeVolume.Now.Date.AddDays(-400).AddHours(10), TimeSpan.Zero);
        _decayCandidate = _volume.AddSnapshot(old);
        _pruneCandidate = _volume.AddSnapshot(old.AddMinutes(5));
        _kept = _volume.AddSnapshot(FakeVolume.Now.AddHours(-2).AddTicks(-(FakeVolume.Now.Ticks % TimeSpan.TicksPerSecond)));
        _newest = _volume.AddSnapshot(FakeVolume.Now.AddHours(-1).AddTicks(-(FakeVolume.Now.Ticks % TimeSpan.TicksPerSecond)));
        _volume.Files.Setup(f => f.Space(FakeVolume.VolumePath)).Returns(() => (_available, 100 * GiB));
        _volume.Directory.Setup(d => d.DeleteSubvolume(It.IsAny<string>())).Callback((string n) =>
        {
            _volume.Entries.Remove(n);
            _pending += _freedPerDeletion;
        });
        _cleaner = new Mock<IBtrfsCleaner>();
        _cleaner.Setup(c => c.WaitAsync(FakeVolume.VolumePath, It.IsAny<CancellationToken>())).Callback(() =>
        {
            _available += _pending;
            _pending = 0;
        }).Returns(Task.CompletedTask);
        _freedPerDeletion = 10 * GiB;
    }

    private BackupConfig Config(long limit) => _volume.Config with { MinFree = FreeSpaceLimit.OfBytes(limit) };

    private Task<BackupStepResult> Run(long limit, BackupRequest? request = null) =>
        new BackupEngine(_volume.Environment with { Cleaner = _cleaner.Object }, _volume.Rsync.Object, _volume.Probe.Object, NullLogger.Instance)
            .BackupAsync(Config(limit), request ?? new BackupRequest(), CancellationToken.None);

    /// <summary>rsync fails with a full volume on its first <paramref name="times"/> runs (leaving the space at 0), then works.</summary>
    private void RsyncFindsTheVolumeFull(int times, bool fillsIt = true)
    {
        var runs = 0;
        _volume.Rsync.Setup(r => r.RunAsync(It.IsAny<RsyncOptions>(), It.IsAny<CancellationToken>(), It.IsAny<Action<int>?>()))
            .Returns((RsyncOptions options, CancellationToken _, Action<int>? _) =>
            {
                _volume.RsyncRuns.Add(options);
                if (++runs > times)
                {
                    return Task.FromResult(new RsyncResult(0, 1234, TimeSpan.FromSeconds(2)));
                }
                if (fillsIt)
                {
                    _available = 0;
                }
                throw new RsyncException(11, "rsync: write failed: No space left on device (28)");
            });
    }

    [Test]
    public async Task It_deletes_in_order_measuring_after_the_cleaner_and_stops_as_soon_as_the_limit_is_met()
    {
        _available = 12 * GiB;

        var outcome = await Run(30 * GiB);

        Assert.That(outcome.MinFreeDeleted, Is.EqualTo(new[]
        {
            new FreeSpaceDeletion(_pruneCandidate, FreeSpaceReason.PruneCandidate),
            new FreeSpaceDeletion(_decayCandidate, FreeSpaceReason.DecayCandidate),
        }));
        Assert.That(_volume.Snapshots(), Is.EqualTo(new[] { _kept, _newest, outcome.SnapshotName }));
        // Once before deciding (a deletion made just before may not be freed yet), then after each deletion.
        _cleaner.Verify(c => c.WaitAsync(FakeVolume.VolumePath, It.IsAny<CancellationToken>()), Times.Exactly(3));
        Assert.That(_volume.RsyncRuns, Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Space_that_an_earlier_deletion_frees_once_the_cleaner_runs_counts_before_anything_is_deleted()
    {
        _available = 12 * GiB;
        _pending = 20 * GiB; // a prune just before: deleted, not yet cleaned

        var outcome = await Run(30 * GiB);

        Assert.That(outcome.MinFreeDeleted, Is.Empty);
        Assert.That(_volume.Snapshots(), Has.Count.EqualTo(5));
    }

    [Test]
    public void A_limit_no_deletion_can_reach_deletes_nothing_and_says_so()
    {
        _available = 12 * GiB;

        var e = Assert.ThrowsAsync<OperationFailedException>(() => Run(100 * GiB));

        Assert.That(e!.Message, Does.StartWith("min_free: the limit 100 GiB is not below the size of the filesystem"));
        Assert.That(_volume.Snapshots(), Is.EqualTo(new[] { _decayCandidate, _pruneCandidate, _kept, _newest }));
        Assert.That(_volume.RsyncRuns, Is.Empty);
    }

    [Test]
    public void A_run_that_fails_after_min_free_deleted_names_the_deletions_on_its_failure()
    {
        _available = 12 * GiB;
        _freedPerDeletion = 0;

        var e = Assert.ThrowsAsync<OperationFailedException>(() => Run(30 * GiB));

        Assert.That(FreeSpaceDeletion.AttachedTo(e).Select(d => d.Name), Is.EqualTo(new[] { _pruneCandidate, _decayCandidate, _kept }));
    }

    [Test]
    public void When_deletions_free_nothing_it_goes_on_to_all_but_the_newest_then_fails_with_the_numbers_before_rsync()
    {
        _available = 12 * GiB;
        _freedPerDeletion = 0; // every extent shared with a snapshot that stays

        var e = Assert.ThrowsAsync<OperationFailedException>(() => Run(30 * GiB));

        Assert.That(e!.Message, Is.EqualTo(
            $"min_free: only 12.0 GiB free on {FakeVolume.VolumePath} after deleting 3 snapshots ({_pruneCandidate} (prune candidate), " +
            $"{_decayCandidate} (decay candidate), {_kept} (oldest kept by retention)) (limit 30.0 GiB); the rest are the newest, " +
            "pinned or copy parents: free space by hand or lower min_free"));
        Assert.That(_volume.Snapshots(), Is.EqualTo(new[] { _newest }));
        Assert.That(_volume.RsyncRuns, Is.Empty);
    }

    [Test]
    public async Task With_the_space_there_it_deletes_nothing_and_waits_for_nothing()
    {
        _available = 30 * GiB;

        var outcome = await Run(30 * GiB);

        Assert.That(outcome.MinFreeDeleted, Is.Empty);
        Assert.That(_volume.Snapshots(), Has.Count.EqualTo(5));
        _cleaner.Verify(c => c.WaitAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Test]
    public async Task When_rsync_finds_the_volume_full_it_frees_space_down_to_the_limit_and_runs_rsync_exactly_once_more()
    {
        _available = 40 * GiB;
        RsyncFindsTheVolumeFull(times: 1);

        var outcome = await Run(15 * GiB);

        Assert.That(outcome.MinFreeDeleted.Select(d => d.Name), Is.EqualTo(new[] { _pruneCandidate, _decayCandidate }));
        Assert.That(_volume.RsyncRuns, Has.Count.EqualTo(2));
        Assert.That(outcome.SnapshotName, Is.Not.Null);
        Assert.That(_volume.Snapshots(), Does.Contain(_kept).And.Contain(_newest));
    }

    [Test]
    public void When_rsync_finds_the_volume_full_again_after_the_retry_the_backup_fails_as_a_full_volume()
    {
        _available = 40 * GiB;
        RsyncFindsTheVolumeFull(times: 2);

        var e = Assert.ThrowsAsync<OperationFailedException>(() => Run(15 * GiB));

        Assert.That(e!.Message, Does.StartWith($"the backup volume is full: {FakeVolume.VolumePath} has 0.0 MiB free of 100.0 GiB")
            .And.EndWith("(the second try, after min_free deleted 2 snapshots)"));
        Assert.That(_volume.RsyncRuns, Has.Count.EqualTo(2), "one retry, no more");
        _volume.Btrfs.Verify(b => b.CreateSnapshot(It.IsAny<string>(), ".sync", It.IsAny<string>(), true), Times.Never);
    }

    [Test]
    public void When_rsync_finds_the_volume_full_but_the_limit_is_met_it_deletes_nothing_and_does_not_retry()
    {
        _available = 40 * GiB;
        RsyncFindsTheVolumeFull(times: 1, fillsIt: false);

        var e = Assert.ThrowsAsync<OperationFailedException>(() => Run(15 * GiB));

        Assert.That(e!.Message, Does.StartWith("the backup volume is full").And.EndWith("(min_free = 15.0 GiB is met, so it deleted nothing)"));
        Assert.That(_volume.RsyncRuns, Has.Count.EqualTo(1));
        Assert.That(_volume.Snapshots(), Has.Count.EqualTo(4));
    }

    [Test]
    public async Task The_backup_before_a_restore_deletes_nothing_for_min_free_not_even_when_rsync_finds_the_volume_full()
    {
        _available = 0;

        await Run(30 * GiB, new BackupRequest { BeforeRestore = "docs from " + _kept });
        RsyncFindsTheVolumeFull(times: 1);
        Assert.ThrowsAsync<OperationFailedException>(() => Run(30 * GiB, new BackupRequest { BeforeRestore = "docs from " + _kept }));

        _volume.Directory.Verify(d => d.DeleteSubvolume(It.IsAny<string>()), Times.Never);
        Assert.That(_volume.Snapshots(), Does.Contain(_kept).And.Contain(_decayCandidate).And.Contain(_pruneCandidate));
    }

    [Test]
    public async Task A_dry_run_deletes_nothing_however_little_space_there_is()
    {
        _available = 0;

        var outcome = await Run(30 * GiB, new BackupRequest { DryRun = true });

        Assert.That(outcome.MinFreeDeleted, Is.Empty);
        _volume.VerifyNothingWritten();
        _cleaner.Verify(c => c.WaitAsync(It.IsAny<string>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Test]
    public async Task Without_min_free_the_free_space_is_not_even_read()
    {
        await new BackupEngine(_volume.Environment with { Cleaner = _cleaner.Object }, _volume.Rsync.Object, _volume.Probe.Object, NullLogger.Instance)
            .BackupAsync(_volume.Config, new BackupRequest(), CancellationToken.None);

        _volume.Files.Verify(f => f.Space(It.IsAny<string>()), Times.Never);
        Assert.That(_volume.Snapshots(), Has.Count.EqualTo(5));
    }
}
