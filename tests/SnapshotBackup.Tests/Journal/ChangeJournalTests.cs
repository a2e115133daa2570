using SnapshotBackup.Core.Journal;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.Journal;

/// <summary>The fanotify change journal on a real btrfs: what it records under the source, what it leaves out.</summary>
[NonParallelizable]
public class ChangeJournalTests
{
    private LoopBtrfs _disk = null!;
    private string _source = null!;
    private string _outside = null!;

    [SetUp]
    public void CreateDisk()
    {
        _disk = LoopBtrfs.Create();
        _source = Path.Combine(_disk.Mount, "src");
        _outside = Path.Combine(_disk.Mount, "other");
        Directory.CreateDirectory(_source);
        Directory.CreateDirectory(_outside);
        File.WriteAllText(Path.Combine(_source, "old"), "old");
    }

    [TearDown]
    public void RemoveDisk() => _disk?.Dispose();

    private string S(string relative) => Path.Combine(_source, relative);

    [Test]
    public void Creations_writes_renames_deletions_and_attribute_changes_under_the_source_are_recorded_and_nothing_outside()
    {
        using var journal = new ChangeJournal(_source);

        File.WriteAllText(S("a"), "one");
        Directory.CreateDirectory(S("d"));
        File.WriteAllText(S("d/x"), "x");
        Directory.Move(S("d"), S("e"));
        File.WriteAllText(S("b"), "gone soon");
        File.Delete(S("b"));
        Shell.Check("chmod", "600", S("old"));
        Shell.Check("setfattr", "-n", "user.k", "-v", "v", S("e"));
        File.WriteAllText(Path.Combine(_outside, "y"), "not ours");

        var changes = journal.Take();

        Assert.That(changes.Overflowed, Is.False);
        Assert.That(changes.Paths, Is.SupersetOf(new[] { "a", "b", "d", "e", "old" }), string.Join(", ", changes.Paths));
        // x is named where its directory was when the event was read: d/x before the rename, e/x after (the rename of d
        // to e is recorded too, so a backup of e takes x either way).
        Assert.That(changes.Paths, Has.Some.EqualTo("d/x").Or.Some.EqualTo("e/x"));
        Assert.That(changes.Paths, Is.SubsetOf(new[] { ".", "a", "b", "d", "d/x", "e", "e/x", "old" }), "nothing outside the source, nothing unchanged");
        Assert.That(journal.Take().Paths, Is.Empty, "taken: the next take starts empty");
    }

    [Test]
    public void A_deleted_tree_is_named_by_its_top_and_a_change_after_a_take_is_in_the_next_one()
    {
        Directory.CreateDirectory(S("t/u/v"));
        File.WriteAllText(S("t/u/v/f"), "f");
        using var journal = new ChangeJournal(_source);

        Directory.Delete(S("t"), recursive: true);
        var first = journal.Take();
        File.AppendAllText(S("old"), "more");
        var second = journal.Take();

        Assert.That(first.Paths, Does.Contain("t"), string.Join(", ", first.Paths));
        Assert.That(first.Paths.Where(p => p != "." && !p.StartsWith('t')), Is.Empty);
        Assert.That(second.Paths, Is.EqualTo(new[] { "old" }));
    }

    [TestCase(true)]
    [TestCase(false)]
    public void A_hard_linked_file_changed_through_a_name_deleted_since_is_listed_by_its_names_left(bool wholeDirectory)
    {
        // The change went through a/f, the only name the event gives; a/f is gone at backup time and b/h shows the change:
        // the journal finds b/h by the file's own handle (seed 847857 of the differential test found the miss).
        Directory.CreateDirectory(S("a"));
        Directory.CreateDirectory(S("b"));
        File.WriteAllText(S("a/f"), "linked");
        Shell.Check("ln", S("a/f"), S("b/h"));
        File.WriteAllText(S("c"), "one name");
        Shell.Check("ln", S("c"), S("a/c2"));
        using var journal = new ChangeJournal(_source);

        Shell.Check("chmod", "600", S("a/f"));
        File.AppendAllText(S("a/f"), " and written");
        if (wholeDirectory)
        {
            Directory.Delete(S("a"), recursive: true);
        }
        else
        {
            File.Delete(S("a/f"));
            File.Delete(S("a/c2"));
        }
        var changes = journal.Take();

        Assert.That(changes.Paths, Does.Contain("b/h"), string.Join(", ", changes.Paths));
        Assert.That(changes.Modified, Does.Contain("b/h"));
        Assert.That(changes.Paths, Does.Not.Contain("c"), "c was not changed: its other name was only deleted");
        Assert.That(changes.Unnamed, Is.Null);
    }

    [Test]
    public void A_hard_linked_file_in_another_subvolume_whose_directory_went_before_its_events_were_read_is_not_ours()
    {
        // The differential test's parallel sequences met it (seed 603150): the events of another backup's subvolume, read
        // after its directories were deleted, could have been under the source; the file's handle shows another subvolume,
        // and none is nested in the source, so no name of it is ours (it used to make the backup a full scan).
        var volume = Path.Combine(_disk.Mount, "vol");
        Shell.Check("btrfs", "subvolume", "create", volume);
        Directory.CreateDirectory(Path.Combine(volume, "d"));
        File.WriteAllText(Path.Combine(volume, "d", "f"), "linked");
        Shell.Check("ln", Path.Combine(volume, "d", "f"), Path.Combine(volume, "g"));
        using var journal = new ChangeJournal(_source);

        journal.WhileNotReading(() =>
        {
            File.AppendAllText(Path.Combine(volume, "d", "f"), " and written");
            File.WriteAllText(S("ours"), "ours");
            Directory.Delete(Path.Combine(volume, "d"), recursive: true);
        });
        var changes = journal.Take();

        Assert.That(changes.Unresolved, Is.GreaterThan(0), "the events were read after their directory was gone");
        Assert.That(changes.Unnamed, Is.Null);
        Assert.That(changes.Paths, Is.EqualTo(new[] { "ours" }));
    }

    [Test]
    public void A_file_written_and_deleted_while_still_open_has_no_name_to_list()
    {
        using var journal = new ChangeJournal(_source);

        using (var open = new FileStream(S("held"), FileMode.Create, FileAccess.Write))
        {
            open.Write("written"u8);
            open.Flush();
            File.Delete(S("held"));
            var changes = journal.Take();

            Assert.That(changes.Unnamed, Is.Null);
            Assert.That(changes.Paths, Is.EqualTo(new[] { "held" }));
        }
    }

    [TestCase(true)]
    [TestCase(false)]
    public void A_hard_linked_file_in_a_subvolume_nested_in_the_source_is_listed_by_its_names_or_scanned_whole(bool directoryGoneFirst)
    {
        var nested = S("nested");
        Shell.Check("btrfs", "subvolume", "create", nested);
        Directory.CreateDirectory(S("nested/d"));
        File.WriteAllText(S("nested/d/f"), "linked");
        Shell.Check("ln", S("nested/d/f"), S("nested/h"));
        using var journal = new ChangeJournal(_source);

        if (directoryGoneFirst)
        {
            journal.WhileNotReading(() =>
            {
                File.AppendAllText(S("nested/d/f"), " and written");
                Directory.Delete(S("nested/d"), recursive: true);
            });
        }
        else
        {
            File.AppendAllText(S("nested/d/f"), " and written");
        }
        var changes = journal.Take();

        if (directoryGoneFirst)
        {
            // Where the file lives (a subvolume in the source, its directory gone) cannot be told: a full scan, saying why.
            Assert.That(changes.Unnamed, Does.Contain("hard-linked"));
        }
        else
        {
            Assert.That(changes.Unnamed, Is.Null);
            Assert.That(changes.Paths, Is.SupersetOf(new[] { "nested/d/f", "nested/h" }), string.Join(", ", changes.Paths));
            Assert.That(changes.Modified, Does.Contain("nested/h"));
        }
    }

    [Test]
    public void A_source_that_is_a_btrfs_subvolume_is_watched_too()
    {
        var subvolume = Path.Combine(_disk.Mount, "sub");
        Shell.Check("btrfs", "subvolume", "create", subvolume);
        using var journal = new ChangeJournal(subvolume);

        File.WriteAllText(Path.Combine(subvolume, "f"), "f");
        File.WriteAllText(S("not-in-the-subvolume"), "x");

        Assert.That(journal.Take().Paths, Is.EqualTo(new[] { "f" }));
    }

    [Test]
    public void A_source_on_a_mount_of_a_subvolume_cannot_be_watched_and_says_why()
    {
        var subvolume = Path.Combine(_disk.Mount, "sub");
        Shell.Check("btrfs", "subvolume", "create", subvolume);
        var mount = Directory.CreateTempSubdirectory("sbtest-journal-").FullName;
        Shell.Check("mount", "--bind", subvolume, mount);
        try
        {
            var e = Assert.Throws<ChangeJournalUnavailableException>(() => new ChangeJournal(mount).Dispose());
            Assert.That(e!.Message, Does.Contain("EXDEV"));
        }
        finally
        {
            Shell.Run("umount", mount);
            Directory.Delete(mount);
        }
    }

    [Test]
    public void Stopping_it_ends_its_thread_and_a_second_dispose_is_harmless()
    {
        var journal = new ChangeJournal(_source);
        journal.Dispose();
        journal.Dispose();
        Assert.That(journal.Take().Paths, Is.Empty);
    }
}
