using System.Text.Json;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.EndToEnd;

/// <summary>prune, decay, autoprune and autodecay on hand-made snapshots with chosen ages and UTC offsets.</summary>
public class RetentionCommandsTests : VolumeTest
{
    private static readonly TimeSpan Utc = TimeSpan.Zero;
    private static readonly TimeSpan[] Group = [new(10, 0, 0), new(10, 5, 0), new(10, 10, 0)];

    /// <summary>Three backups on one day 30 days ago (+00:00), 20 days ago (local) and 10 days ago (+05:30), oldest first.</summary>
    private List<string> MakeThreeDailyGroups()
    {
        var names = new List<string>();
        foreach (var (days, offset) in new[] { (30, Utc), (20, LocalOffset), (10, India) })
        {
            names.AddRange(Group.Select(t => NameAt(days, t, offset)));
        }
        CreateSyncByHand();
        foreach (var name in names)
        {
            MakeSnapshot(name);
        }
        Assert.That(SnapshotNames(), Is.EqualTo(names), "the volume holds the hand-made backups, oldest first");
        return names;
    }

    private List<string> MakeSnapshotsAgo(params (TimeSpan Age, TimeSpan Offset)[] ages)
    {
        var names = ages.Select(a => NameAgo(a.Age, a.Offset)).ToList();
        CreateSyncByHand();
        foreach (var name in names)
        {
            MakeSnapshot(name);
        }
        return names;
    }

    private List<string> Flagged(string flag)
    {
        using var json = JsonDocument.Parse(CliOk("list", "data1", "--json").Output);
        return json.RootElement.EnumerateArray()
            .Where(e => e.GetProperty(flag).GetBoolean())
            .Select(e => e.GetProperty("name").GetString()!)
            .ToList();
    }

    [Test]
    public void Prune_with_yes_deletes_exactly_the_candidates_list_json_marks_and_keeps_the_newest()
    {
        var names = MakeThreeDailyGroups();
        // The later backups of each day are neither daily nor weekly and older than retain_all; the very newest is last.
        var expected = new[] { names[1], names[2], names[4], names[5], names[7] };

        var flagged = Flagged("prune");
        Assert.That(flagged, Is.EquivalentTo(expected));

        var result = CliOk("prune", "data1", "--yes");

        Assert.That(SnapshotNames(), Is.EqualTo(names.Except(flagged)));
        Assert.That(SnapshotNames(), Does.Contain(names[^1]), "the newest is never pruned");
        foreach (var name in flagged)
        {
            Assert.That(result.Output, Does.Contain("deleted " + name));
        }
        Assert.That(Flagged("prune"), Is.Empty, "a second prune has nothing left to do");
    }

    [Test]
    public void Decay_with_yes_deletes_the_backups_older_than_decay_and_keeps_the_younger_ones()
    {
        WriteConfig("decay = 2 days");
        var names = MakeSnapshotsAgo(
            (TimeSpan.FromDays(5), Utc),
            (TimeSpan.FromDays(4), India),
            (TimeSpan.FromDays(3), LocalOffset),
            (TimeSpan.FromDays(1), India),
            (TimeSpan.FromHours(1), Utc));

        Assert.That(Flagged("decay"), Is.EquivalentTo(names.Take(3)));
        var result = CliOk("decay", "data1", "--yes");

        Assert.That(SnapshotNames(), Is.EqualTo(names.Skip(3)));
        Assert.That(result.Output, Does.Contain("deleted " + names[0]).And.Contain("deleted " + names[2]));
    }

    [Test]
    public void Decay_never_deletes_the_newest_even_when_every_backup_is_older_than_decay()
    {
        WriteConfig("decay = 2 days");
        var names = MakeSnapshotsAgo(
            (TimeSpan.FromDays(10), Utc),
            (TimeSpan.FromDays(9), India),
            (TimeSpan.FromDays(8), LocalOffset));

        CliOk("d", "data1", "--yes");

        Assert.That(SnapshotNames(), Is.EqualTo(new[] { names[2] }));
    }

    [TestCase("prune")]
    [TestCase("decay")]
    public void Without_a_terminal_and_without_yes_the_command_exits_2_says_to_use_yes_and_deletes_nothing(string command)
    {
        WriteConfig("decay = 2 days");
        var names = MakeThreeDailyGroups();
        Assert.That(Flagged(command), Is.Not.Empty, "there is something it would delete");

        var result = Cli(command, "data1");

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Error, Does.Contain("--yes"));
        Assert.That(SnapshotNames(), Is.EqualTo(names));
    }

    [Test]
    public void Autoprune_makes_backup_prune_after_the_snapshot()
    {
        WriteConfig("autoprune = true");
        WriteFile(Path.Combine(Source, "a.txt"), "one");
        var names = MakeThreeDailyGroups();

        var created = CliOk("backup", "data1").Output.Trim();

        // The former newest is no longer the last backup, so it is pruned too.
        Assert.That(SnapshotNames(), Is.EqualTo(new[] { names[0], names[3], names[6], created }));
        Assert.That(File.ReadAllText(Path.Combine(Backups, created, "a.txt")), Is.EqualTo("one"));
    }

    [Test]
    public void Autodecay_makes_backup_decay_after_the_snapshot()
    {
        WriteConfig("decay = 2 days\nautodecay = 1");
        WriteFile(Path.Combine(Source, "a.txt"), "one");
        var names = MakeSnapshotsAgo(
            (TimeSpan.FromDays(5), India),
            (TimeSpan.FromDays(4), Utc),
            (TimeSpan.FromDays(1), LocalOffset));

        var created = CliOk("backup", "data1").Output.Trim();

        Assert.That(SnapshotNames(), Is.EqualTo(new[] { names[2], created }));
    }

    [Test]
    public void Autodecay_deletes_the_former_newest_once_the_new_backup_is_the_newest()
    {
        WriteConfig("decay = 2 days\nautodecay = True");
        WriteFile(Path.Combine(Source, "a.txt"), "one");
        MakeSnapshotsAgo((TimeSpan.FromDays(5), India), (TimeSpan.FromDays(4), Utc));

        var created = CliOk("backup", "data1").Output.Trim();

        Assert.That(SnapshotNames(), Is.EqualTo(new[] { created }));
    }

    [TestCase("prune")]
    [TestCase("decay")]
    [TestCase("destroy")]
    public void Plain_directories_symlinks_and_writable_subvolumes_with_backup_names_are_never_deleted_and_are_reported(string command)
    {
        WriteConfig("decay = 2 days");
        // Were they backups, each entry below would be a prune and a decay candidate (later backups of an old day).
        var real = new[] { "2019-01-01T10:00:00+00:00", "2019-01-01T10:20:00+00:00", NameAgo(TimeSpan.FromHours(1), LocalOffset) };
        const string plain = "2019-01-01T10:05:00+00:00";
        const string link = "2019-01-01T10:10:00+00:00";
        const string writable = "2019-01-01T10:15:00+05:30";
        CreateSyncByHand();
        foreach (var name in real)
        {
            MakeSnapshot(name);
        }
        WriteFile(Path.Combine(Backups, plain, "file.txt"), "plain");
        var outside = Path.Combine(Loop.Root, "outside");
        WriteFile(Path.Combine(outside, "precious.txt"), "precious");
        File.CreateSymbolicLink(Path.Combine(Backups, link), outside);
        Shell.Check("btrfs", "subvolume", "create", Path.Combine(Backups, writable));
        WriteFile(Path.Combine(Backups, writable, "file.txt"), "writable");
        WriteFile(Path.Combine(Backups, "notes", "keep.txt"), "mine");

        var result = Cli(command, "data1", "--yes");

        Assert.That(result.ExitCode, command == "destroy" ? Is.AnyOf(0, 1) : Is.Zero, result.ToString());
        string[] remaining = command switch
        {
            "prune" => [real[0], real[2]],
            "decay" => [real[2]],
            _ => [],
        };
        Assert.That(SnapshotNames(), Is.EqualTo(remaining), "the real backups were handled");
        Assert.That(File.ReadAllText(Path.Combine(Backups, plain, "file.txt")), Is.EqualTo("plain"));
        Assert.That(new FileInfo(Path.Combine(Backups, link)).LinkTarget, Is.EqualTo(outside));
        Assert.That(File.ReadAllText(Path.Combine(outside, "precious.txt")), Is.EqualTo("precious"));
        Assert.That(Directory.GetFileSystemEntries(outside), Has.Length.EqualTo(1));
        Assert.That(File.ReadAllText(Path.Combine(Backups, writable, "file.txt")), Is.EqualTo("writable"));
        Assert.That(Shell.Run("btrfs", "subvolume", "show", Path.Combine(Backups, writable)).ExitCode, Is.Zero, "still a subvolume");
        Assert.That(File.ReadAllText(Path.Combine(Backups, "notes", "keep.txt")), Is.EqualTo("mine"));
        Assert.That(result.Error, Does.Contain(plain).And.Contain(link).And.Contain(writable));
    }
}
