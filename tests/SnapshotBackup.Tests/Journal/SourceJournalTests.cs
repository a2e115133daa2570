using SnapshotBackup.Core.Journal;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.Journal;

/// <summary>
/// When a backup may trust the journal and when it must scan everything, with the reason it logs: real fanotify on a real
/// btrfs, real mounts inside and over the source, a FUSE filesystem (bindfs) that gives no usable handles.
/// </summary>
[NonParallelizable]
public class SourceJournalTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);
    private LoopBtrfs _disk = null!;
    private string _source = null!;
    private string _sync = null!;

    [SetUp]
    public void CreateDisk()
    {
        _disk = LoopBtrfs.Create();
        _source = Path.Combine(_disk.Mount, "src");
        _sync = Path.Combine(_disk.Mount, "sync");
        Directory.CreateDirectory(_source);
        Directory.CreateDirectory(_sync);
        File.WriteAllText(Path.Combine(_source, "old"), "old");
    }

    [TearDown]
    public void RemoveDisk() => _disk?.Dispose();

    private SourceJournal Started(string snapshot = "s1")
    {
        var journal = new SourceJournal(_source, "the first backup since the daemon started");
        var first = journal.Begin(_sync, null, syncMadeNow: true, Now, Day);
        Assert.That(first.Full, Is.True);
        Assert.That(first.Describe(), Is.EqualTo("full scan: the first backup since the daemon started"));
        journal.Completed(first, snapshot);
        return journal;
    }

    [Test]
    public void After_a_completed_backup_the_next_one_lists_only_what_changed()
    {
        using var journal = Started();
        File.WriteAllText(Path.Combine(_source, "new"), "new");

        var plan = journal.Begin(_sync, "s1", syncMadeNow: false, Now.AddHours(1), Day);

        Assert.That(plan.Full, Is.False, plan.Reason);
        Assert.That(plan.List!.Paths, Is.EqualTo(new[] { "new" }));
        Assert.That(plan.Describe(), Does.StartWith("journal backup: 1 entries to rsync (1 changed, 0 open for writing"));
    }

    [Test]
    public void A_backup_that_did_not_complete_makes_the_next_one_a_full_scan()
    {
        using var journal = Started();
        journal.Begin(_sync, "s1", syncMadeNow: false, Now.AddHours(1), Day); // failed: no Completed

        var plan = journal.Begin(_sync, "s1", syncMadeNow: false, Now.AddHours(2), Day);

        Assert.That(plan.Reason, Is.EqualTo("the previous backup failed or was interrupted"));
        journal.Completed(plan, "s2");
        Assert.That(journal.Begin(_sync, "s2", syncMadeNow: false, Now.AddHours(3), Day).Full, Is.False, "trusted again after a complete one");
    }

    [TestCase("s0", false, "the newest backup is s0, not s1")]
    [TestCase("s1", true, ".sync was made anew")]
    public void A_newest_backup_the_journal_did_not_make_or_a_new_sync_is_a_full_scan(string newest, bool syncMade, string reason)
    {
        using var journal = Started();

        var plan = journal.Begin(_sync, newest, syncMade, Now.AddHours(1), Day);

        Assert.That(plan.Full, Is.True);
        Assert.That(plan.Reason, Does.StartWith(reason));
    }

    [Test]
    public void Full_scan_every_makes_a_safety_scan_when_the_last_full_one_is_that_old()
    {
        using var journal = Started();
        var before = journal.Begin(_sync, "s1", syncMadeNow: false, Now + Day - TimeSpan.FromSeconds(1), Day);
        Assert.That(before.Full, Is.False, before.Reason);
        journal.Completed(before, "s2");

        var plan = journal.Begin(_sync, "s2", syncMadeNow: false, Now + Day, Day);

        Assert.That(plan.Reason, Does.StartWith("the safety scan (full_scan_every = 1 day"));
        journal.Completed(plan, "s3");
        Assert.That(journal.Begin(_sync, "s3", syncMadeNow: false, Now + Day + TimeSpan.FromHours(1), Day).Full, Is.False, "counted from the last full scan");
    }

    [Test]
    public void The_source_directory_itself_changing_is_a_full_scan()
    {
        using var journal = Started();
        Shell.Check("chmod", "700", _source);

        var plan = journal.Begin(_sync, "s1", syncMadeNow: false, Now.AddHours(1), Day);

        Assert.That(plan.Reason, Does.StartWith("the source directory itself changed"));
    }

    [Test]
    public void A_filesystem_mounted_inside_the_source_is_a_full_scan_while_it_is_there()
    {
        using var journal = Started();
        var inside = Path.Combine(_source, "usb");
        Directory.CreateDirectory(inside);
        Shell.Check("mount", "-t", "tmpfs", "none", inside);
        try
        {
            var plan = journal.Begin(_sync, "s1", syncMadeNow: false, Now.AddHours(1), Day);
            Assert.That(plan.Reason, Is.EqualTo($"{inside} is mounted inside the source (its changes are not in the journal)"));
            journal.Completed(plan, "s2");
        }
        finally
        {
            Shell.Check("umount", inside);
        }
        Assert.That(journal.Begin(_sync, "s2", syncMadeNow: false, Now.AddHours(2), Day).Full, Is.False, "gone again: the journal is trusted");
    }

    [Test]
    public void A_disk_mounted_over_the_source_restarts_the_journal_there_and_scans_everything()
    {
        using var journal = Started();
        using var other = LoopBtrfs.Create();
        Shell.Check("mount", "--bind", other.Mount, _source);
        try
        {
            var plan = journal.Begin(_sync, "s1", syncMadeNow: false, Now.AddHours(1), Day);
            Assert.That(plan.Reason, Is.EqualTo("the source's filesystem changed (mounted, unmounted or mounted again) since the journal started"));
            journal.Completed(plan, "s2");

            File.WriteAllText(Path.Combine(_source, "on the other disk"), "x");
            var next = journal.Begin(_sync, "s2", syncMadeNow: false, Now.AddHours(2), Day);
            Assert.That(next.Full, Is.False, next.Reason);
            Assert.That(next.List!.Paths, Is.EqualTo(new[] { "on the other disk" }), "the journal now watches the disk mounted there");
        }
        finally
        {
            Shell.Check("umount", _source); // the journal holds nothing open in the source: not busy
        }
        var after = journal.Begin(_sync, "s2", syncMadeNow: false, Now.AddHours(3), Day);
        Assert.That(after.Reason, Does.StartWith("the source's filesystem changed"), "unmounted again: the journal starts over on the disk below");
    }

    [Test]
    public void The_same_disk_unmounted_and_mounted_again_is_noticed_by_its_mount_id()
    {
        using var other = LoopBtrfs.Create();
        var source = Path.Combine(other.Mount, "data");
        Directory.CreateDirectory(source);
        using var journal = new SourceJournal(source, "first");
        journal.Completed(journal.Begin(_sync, null, syncMadeNow: true, Now, Day), "s1");

        Shell.Check("umount", other.Mount);
        Shell.Check("mount", "-o", "loop", other.Image, other.Mount);
        File.WriteAllText(Path.Combine(source, "while the journal had lost its mark"), "x");

        var plan = journal.Begin(_sync, "s1", syncMadeNow: false, Now.AddHours(1), Day);
        Assert.That(plan.Reason, Does.StartWith("the source's filesystem changed"));
        journal.Completed(plan, "s2");
        File.WriteAllText(Path.Combine(source, "seen"), "x");
        var next = journal.Begin(_sync, "s2", syncMadeNow: false, Now.AddHours(2), Day);
        Assert.That(next.List?.Paths, Is.EqualTo(new[] { "seen" }), next.Reason);
    }

    [Test]
    public void A_journal_stopped_by_a_reload_makes_the_backup_waiting_on_it_a_full_scan()
    {
        var journal = Started();
        journal.Dispose();

        var plan = journal.Begin(_sync, "s1", syncMadeNow: false, Now.AddHours(1), Day);

        Assert.That(plan.Reason, Is.EqualTo("the journal was stopped by a reload"));
    }

    [Test]
    public void A_fuse_source_has_no_journal()
    {
        var mount = Path.Combine(_disk.Root, "fuse");
        Directory.CreateDirectory(mount);
        Shell.Check("bindfs", _source, mount);
        try
        {
            var e = Assert.Throws<ChangeJournalUnavailableException>(() => new SourceJournal(mount, "first").Dispose());
            TestContext.Out.WriteLine(e!.Message);
            Assert.That(e.Message, Does.Contain(mount));
        }
        finally
        {
            Assert.That(Poll.Until(() => Shell.Run("fusermount", "-u", mount).ExitCode == 0 || Shell.Run("umount", mount).ExitCode == 0, TimeSpan.FromSeconds(10)), Is.True, "bindfs unmounted");
        }
    }
}
