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

    /// <summary>.sync's identity as btrfs would give it (the test's .sync is a plain directory): unchanged between backups.</summary>
    private static readonly SnapshotBackup.Core.Copies.SubvolumeIdentity Sync = new(Guid.Parse("0b6a1a5e-0000-4000-8000-000000000001"), Guid.Empty, Guid.Empty, false, 7);

    private ScanPlan Begin(SourceJournal journal, string? newest, bool syncMade, DateTimeOffset at, string[]? ignore = null,
        SnapshotBackup.Core.Copies.SubvolumeIdentity? sync = null) =>
        journal.Begin(_sync, newest, syncMade, at, Day, ignore ?? [], sync ?? Sync);

    private SourceJournal Started(string snapshot = "s1")
    {
        var journal = new SourceJournal(_source, "the first backup since the daemon started");
        var first = Begin(journal, null, true, Now);
        Assert.That(first.Full, Is.True);
        Assert.That(first.Describe(), Is.EqualTo("full scan: the first backup since the daemon started"));
        journal.Completed(first, snapshot, Sync);
        return journal;
    }

    [Test]
    public void After_a_completed_backup_the_next_one_lists_only_what_changed()
    {
        using var journal = Started();
        File.WriteAllText(Path.Combine(_source, "new"), "new");

        var plan = Begin(journal, "s1", false, Now.AddHours(1));

        Assert.That(plan.Full, Is.False, plan.Reason);
        Assert.That(plan.List!.Paths, Is.EqualTo(new[] { "new" }));
        Assert.That(plan.Describe(), Does.StartWith("journal backup: 1 entries to rsync (1 changed, 0 open for writing"));
    }

    [Test]
    public void A_backup_that_did_not_complete_makes_the_next_one_a_full_scan()
    {
        using var journal = Started();
        Begin(journal, "s1", false, Now.AddHours(1)); // failed: no Completed

        var plan = Begin(journal, "s1", false, Now.AddHours(2));

        Assert.That(plan.Reason, Is.EqualTo("the previous backup failed or was interrupted"));
        journal.Completed(plan, "s2", Sync);
        Assert.That(Begin(journal, "s2", false, Now.AddHours(3)).Full, Is.False, "trusted again after a complete one");
    }

    [TestCase("s0", false, "the newest backup is s0, not s1")]
    [TestCase("s1", true, ".sync was made anew")]
    public void A_newest_backup_the_journal_did_not_make_or_a_new_sync_is_a_full_scan(string newest, bool syncMade, string reason)
    {
        using var journal = Started();

        var plan = Begin(journal, newest, syncMade, Now.AddHours(1));

        Assert.That(plan.Full, Is.True);
        Assert.That(plan.Reason, Does.StartWith(reason));
    }

    [Test]
    public void Full_scan_every_makes_a_safety_scan_when_the_last_full_one_is_that_old()
    {
        using var journal = Started();
        var before = Begin(journal, "s1", false, Now + Day - TimeSpan.FromSeconds(1));
        Assert.That(before.Full, Is.False, before.Reason);
        journal.Completed(before, "s2", Sync);

        var plan = Begin(journal, "s2", false, Now + Day);

        Assert.That(plan.Reason, Does.StartWith("the safety scan (full_scan_every = 1 day"));
        journal.Completed(plan, "s3", Sync);
        Assert.That(Begin(journal, "s3", false, Now + Day + TimeSpan.FromHours(1)).Full, Is.False, "counted from the last full scan");
    }

    [Test]
    public void The_source_directory_itself_changing_is_a_full_scan()
    {
        using var journal = Started();
        Shell.Check("chmod", "700", _source);

        var plan = Begin(journal, "s1", false, Now.AddHours(1));

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
            var plan = Begin(journal, "s1", false, Now.AddHours(1));
            Assert.That(plan.Reason, Is.EqualTo($"{inside} is mounted inside the source (its changes are not in the journal)"));
            journal.Completed(plan, "s2", Sync);
        }
        finally
        {
            Shell.Check("umount", inside);
        }
        var gone = Begin(journal, "s2", false, Now.AddHours(2));
        Assert.That(gone.Reason, Does.StartWith("a filesystem mounted inside the source at the last backup is gone"), "what was below it shows again");
        journal.Completed(gone, "s3", Sync);
        Assert.That(Begin(journal, "s3", false, Now.AddHours(3)).Full, Is.False, "then the journal is trusted again");
    }

    [Test]
    public void A_disk_mounted_over_the_source_restarts_the_journal_there_and_scans_everything()
    {
        using var journal = Started();
        using var other = LoopBtrfs.Create();
        Shell.Check("mount", "--bind", other.Mount, _source);
        try
        {
            var plan = Begin(journal, "s1", false, Now.AddHours(1));
            Assert.That(plan.Reason, Does.StartWith("the source changed under the journal"));
            journal.Completed(plan, "s2", Sync);

            File.WriteAllText(Path.Combine(_source, "on the other disk"), "x");
            var next = Begin(journal, "s2", false, Now.AddHours(2));
            Assert.That(next.Full, Is.False, next.Reason);
            Assert.That(next.List!.Paths, Is.EqualTo(new[] { "on the other disk" }), "the journal now watches the disk mounted there");
        }
        finally
        {
            Shell.Check("umount", _source); // the journal holds nothing open in the source: not busy
        }
        var after = Begin(journal, "s2", false, Now.AddHours(3));
        Assert.That(after.Reason, Does.StartWith("the source changed under the journal"), "unmounted again: the journal starts over on the disk below");
    }

    [Test]
    public void The_same_disk_unmounted_and_mounted_again_is_noticed_by_its_mount_id()
    {
        using var other = LoopBtrfs.Create();
        var source = Path.Combine(other.Mount, "data");
        Directory.CreateDirectory(source);
        using var journal = new SourceJournal(source, "first");
        journal.Completed(Begin(journal, null, true, Now), "s1", Sync);

        Shell.Check("umount", other.Mount);
        Shell.Check("mount", "-o", "loop", other.Image, other.Mount);
        File.WriteAllText(Path.Combine(source, "while the journal had lost its mark"), "x");

        var plan = Begin(journal, "s1", false, Now.AddHours(1));
        Assert.That(plan.Reason, Does.StartWith("the source changed under the journal"));
        journal.Completed(plan, "s2", Sync);
        File.WriteAllText(Path.Combine(source, "seen"), "x");
        var next = Begin(journal, "s2", false, Now.AddHours(2));
        Assert.That(next.List?.Paths, Is.EqualTo(new[] { "seen" }), next.Reason);
    }

    [Test]
    public void A_journal_stopped_by_a_reload_makes_the_backup_waiting_on_it_a_full_scan()
    {
        var journal = Started();
        journal.Dispose();

        var plan = Begin(journal, "s1", false, Now.AddHours(1));

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

    [Test]
    public void Sync_written_by_anything_since_the_last_backup_is_a_full_scan()
    {
        using var journal = Started();

        var plan = Begin(journal, "s1", false, Now.AddHours(1), sync: Sync with { Generation = 8 });

        Assert.That(plan.Reason, Does.StartWith(".sync was written since the last backup"));
        journal.Completed(plan, "s2", Sync with { Generation = 9 });
        var trusted = Begin(journal, "s2", false, Now.AddHours(2), sync: Sync with { Generation = 9 });
        Assert.That(trusted.Full, Is.False);
        journal.Completed(trusted, "s3", Sync with { Generation = 9 });
        Assert.That(Begin(journal, "s3", false, Now.AddHours(3), sync: Sync with { Generation = 9, Uuid = Guid.NewGuid() }).Reason,
            Does.StartWith(".sync was written since the last backup"), "another disk's .sync");
    }

    [Test]
    public void A_source_given_as_a_symlink_that_is_retargeted_restarts_the_journal_on_the_new_target()
    {
        var v1 = Path.Combine(_disk.Mount, "v1");
        var v2 = Path.Combine(_disk.Mount, "v2");
        Directory.CreateDirectory(v1);
        Directory.CreateDirectory(v2);
        var link = Path.Combine(_disk.Mount, "link");
        File.CreateSymbolicLink(link, v1);
        using var journal = new SourceJournal(link, "first");
        journal.Completed(Begin(journal, null, true, Now), "s1", Sync);

        Shell.Check("ln", "-sfn", v2, link);
        File.WriteAllText(Path.Combine(v2, "only in v2"), "x");
        var plan = Begin(journal, "s1", false, Now.AddHours(1));

        Assert.That(plan.Reason, Does.StartWith("the source changed under the journal"));
        journal.Completed(plan, "s2", Sync);
        File.WriteAllText(Path.Combine(v2, "later"), "x");
        Assert.That(Begin(journal, "s2", false, Now.AddHours(2)).List?.Paths, Is.EqualTo(new[] { "later" }), "watching v2 now");
    }

    [Test]
    public void A_directory_above_the_source_renamed_and_back_is_a_full_scan()
    {
        var above = Path.Combine(_disk.Mount, "p");
        var source = Path.Combine(above, "src");
        Directory.CreateDirectory(source);
        using var journal = new SourceJournal(source, "first");
        journal.Completed(Begin(journal, null, true, Now), "s1", Sync);

        var moved = Path.Combine(_disk.Mount, "q");
        Directory.Move(above, moved);
        File.WriteAllText(Path.Combine(moved, "src", "new"), "written while renamed");
        Directory.Move(moved, above);

        Assert.That(Begin(journal, "s1", false, Now.AddHours(1)).Reason, Is.EqualTo("a directory above the source was made, renamed or deleted"));
    }

    [Test]
    public void Entries_below_an_ignored_directory_are_not_listed_but_an_ignored_name_itself_is_left_to_rsync()
    {
        using var journal = Started();
        Directory.CreateDirectory(Path.Combine(_source, "cache", "deep"));
        File.WriteAllText(Path.Combine(_source, "cache", "deep", "x"), "x");
        File.WriteAllText(Path.Combine(_source, "kept.tmp"), "x");
        File.WriteAllText(Path.Combine(_source, "kept"), "x");

        var plan = Begin(journal, "s1", false, Now.AddHours(1), ignore: ["/cache", "*.tmp"]);

        Assert.That(plan.List!.Paths, Is.EqualTo(new[] { "cache", "kept", "kept.tmp" }), "rsync excludes cache and kept.tmp themselves; nothing below cache is handed to it");
    }

    [Test]
    public void A_directory_whose_name_ends_in_deleted_is_a_directory_like_any_other()
    {
        using var journal = Started();
        var odd = Path.Combine(_source, "x (deleted)");
        Directory.CreateDirectory(odd);
        journal.Completed(Begin(journal, "s1", false, Now.AddHours(1)), "s2", Sync);
        File.WriteAllText(Path.Combine(odd, "f"), "x");

        Assert.That(Begin(journal, "s2", false, Now.AddHours(2)).List?.Paths, Is.EqualTo(new[] { "x (deleted)/f" }));
    }
}
