using System.Text.Json;
using SnapshotBackup.Core.Volume;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.EndToEnd;

public class BackupCycleTests : VolumeTest
{
    [Test]
    public void Setup_backup_change_backup_list_gives_two_snapshots_that_each_hold_their_source_state()
    {
        WriteFile(Path.Combine(Source, "a.txt"), "one");
        WriteFile(Path.Combine(Source, "dir", "b.txt"), "bee");
        CliOk("setup", "data1");
        Assert.That(Directory.Exists(Backups), Is.True);

        var first = CliOk("backup", "data1").Output.Trim();
        Assert.That(SnapshotName.TryParse(first, out _), Is.True, first);

        File.WriteAllText(Path.Combine(Source, "a.txt"), "two");
        File.Delete(Path.Combine(Source, "dir", "b.txt"));
        WriteFile(Path.Combine(Source, "c.txt"), "new");
        Thread.Sleep(1100);
        var second = CliOk("b", "data1").Output.Trim();

        Assert.That(SnapshotNames(), Is.EqualTo(new[] { first, second }));
        Assert.That(File.ReadAllText(Path.Combine(Backups, first, "a.txt")), Is.EqualTo("one"));
        Assert.That(File.Exists(Path.Combine(Backups, first, "dir", "b.txt")), Is.True);
        Assert.That(File.ReadAllText(Path.Combine(Backups, second, "a.txt")), Is.EqualTo("two"));
        Assert.That(File.Exists(Path.Combine(Backups, second, "dir", "b.txt")), Is.False);
        Assert.That(File.ReadAllText(Path.Combine(Backups, second, "c.txt")), Is.EqualTo("new"));

        var list = CliOk("list", "data1").Output;
        Assert.That(list, Does.Contain(first).And.Contain(second).And.Contain("last"));
        Assert.That(list.IndexOf(first, StringComparison.Ordinal), Is.LessThan(list.IndexOf(second, StringComparison.Ordinal)), "oldest first");
    }

    [Test]
    public void A_backup_with_autodecay_and_autoprune_and_nothing_to_delete_says_nothing_about_them()
    {
        WriteFile(Path.Combine(Source, "a.txt"), "one");
        WriteConfig("autoprune = true\nautodecay = true");
        CliOk("setup", "data1");

        var result = CliOk("backup", "data1");

        Assert.That(result.Error, Does.Not.Contain("nothing to delete").And.Not.Contain("prune").And.Not.Contain("decay"), result.ToString());
    }

    [Test]
    public void List_json_reports_every_backup_with_its_flags()
    {
        WriteFile(Path.Combine(Source, "a.txt"), "one");
        CliOk("setup", "data1");
        var name = CliOk("backup", "data1").Output.Trim();

        using var json = JsonDocument.Parse(CliOk("l", "data1", "--json").Output);
        var items = json.RootElement.EnumerateArray().ToList();
        Assert.That(items, Has.Count.EqualTo(1));
        var item = items[0];
        Assert.That(item.GetProperty("name").GetString(), Is.EqualTo(name));
        Assert.That(DateTimeOffset.Parse(item.GetProperty("time").GetString()!, System.Globalization.CultureInfo.InvariantCulture), Is.Not.EqualTo(default(DateTimeOffset)));
        Assert.That(item.GetProperty("age_seconds").GetInt64(), Is.InRange(0, 60));
        Assert.That(item.GetProperty("last").GetBoolean(), Is.True);
        Assert.That(item.GetProperty("daily").GetBoolean(), Is.True);
        Assert.That(item.GetProperty("weekly").GetBoolean(), Is.True);
        Assert.That(item.GetProperty("prune").GetBoolean(), Is.False);
        Assert.That(item.GetProperty("decay").GetBoolean(), Is.False);
    }

    [Test]
    public void Ignore_entries_are_excluded_and_removed_from_sync()
    {
        WriteFile(Path.Combine(Source, "keep.txt"), "k");
        WriteFile(Path.Combine(Source, ".cache", "junk"), "j");
        WriteFile(Path.Combine(Source, "a, b", "x"), "x");
        CliOk("setup", "data1");
        var first = CliOk("backup", "data1").Output.Trim();
        Assert.That(File.Exists(Path.Combine(Backups, first, ".cache", "junk")), Is.True);

        WriteConfig("ignore = /.cache, \"/a, b\"");
        Thread.Sleep(1100);
        var second = CliOk("backup", "data1").Output.Trim();
        Assert.That(Directory.Exists(Path.Combine(Backups, second, ".cache")), Is.False, "--delete-excluded");
        Assert.That(Directory.Exists(Path.Combine(Backups, second, "a, b")), Is.False);
        Assert.That(File.Exists(Path.Combine(Backups, second, "keep.txt")), Is.True);
    }

    [Test]
    public void Source_option_overrides_the_configured_source()
    {
        var other = Path.Combine(Loop.Root, "other");
        WriteFile(Path.Combine(other, "o.txt"), "other");
        CliOk("setup", "data1");
        var name = CliOk("backup", "data1", "--source", other).Output.Trim();
        Assert.That(File.ReadAllText(Path.Combine(Backups, name, "o.txt")), Is.EqualTo("other"));
    }

    [Test]
    public void Dry_run_takes_no_snapshot_and_writes_nothing()
    {
        WriteFile(Path.Combine(Source, "a.txt"), "one");
        CliOk("setup", "data1");
        CliOk("backup", "--dry-run", "data1");
        Assert.That(SnapshotNames(), Is.Empty);
        Assert.That(Directory.Exists(Path.Combine(Backups, ".sync")), Is.False);
    }

    [Test]
    public void Checksum_backup_succeeds()
    {
        WriteFile(Path.Combine(Source, "a.txt"), "one");
        CliOk("setup", "data1");
        CliOk("backup", "data1", "--checksum");
        Assert.That(SnapshotNames(), Has.Count.EqualTo(1));
    }

    [Test]
    public void Snapshots_are_read_only()
    {
        WriteFile(Path.Combine(Source, "a.txt"), "one");
        CliOk("setup", "data1");
        var name = CliOk("backup", "data1").Output.Trim();
        Assert.That(() => File.WriteAllText(Path.Combine(Backups, name, "a.txt"), "changed"), Throws.InstanceOf<IOException>().Or.InstanceOf<UnauthorizedAccessException>());
        Assert.That(Shell.Run("btrfs", "property", "get", Path.Combine(Backups, name), "ro").Output, Does.Contain("ro=true"));
    }

    [Test]
    public void Clean_deletes_sync_and_the_next_backup_makes_it_again_from_the_newest_backup()
    {
        WriteFile(Path.Combine(Source, "a.txt"), "one");
        CliOk("setup", "data1");
        CliOk("backup", "data1");
        CliOk("clean", "data1");
        Assert.That(Directory.Exists(Path.Combine(Backups, ".sync")), Is.False);
        Thread.Sleep(1100);
        CliOk("backup", "data1");
        Assert.That(SnapshotNames(), Has.Count.EqualTo(2));
        Assert.That(Directory.Exists(Path.Combine(Backups, ".sync")), Is.True);
    }

    [Test]
    public void Destroy_with_yes_deletes_every_backup_sync_and_the_directory()
    {
        WriteFile(Path.Combine(Source, "a.txt"), "one");
        CliOk("setup", "data1");
        CliOk("backup", "data1");
        MakeSnapshot("2020-01-01T00:00:00+00:00");
        CliOk("destroy", "data1", "--yes");
        Assert.That(Directory.Exists(Backups), Is.False);
    }

    [Test]
    public void Destroy_leaves_foreign_entries_and_the_directory_in_place()
    {
        WriteFile(Path.Combine(Source, "a.txt"), "one");
        CliOk("setup", "data1");
        CliOk("backup", "data1");
        WriteFile(Path.Combine(Backups, "notes", "keep.txt"), "mine");
        CliOk("destroy", "data1", "--yes");
        Assert.That(File.ReadAllText(Path.Combine(Backups, "notes", "keep.txt")), Is.EqualTo("mine"));
        Assert.That(SnapshotNames(), Is.Empty);
        Assert.That(Directory.Exists(Path.Combine(Backups, ".sync")), Is.False);
    }
}
