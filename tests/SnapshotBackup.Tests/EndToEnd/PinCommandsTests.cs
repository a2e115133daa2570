using System.Diagnostics;
using System.Text.Json;
using SnapshotBackup.Core;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.EndToEnd;

/// <summary>pin and unpin with the real CLI on real btrfs: pinned snapshots survive prune, decay, autoprune and their dry runs.</summary>
public class PinCommandsTests : VolumeTest
{
    private static readonly TimeSpan[] Group = [new(10, 0, 0), new(10, 5, 0), new(10, 10, 0)];
    private readonly ChildProcesses _started = new();

    [TearDown]
    public void StopChildren()
    {
        _started.StopAll();
    }

    private string PinsFile => Path.Combine(Backups, ".pins.json");

    /// <summary>Three backups on each of three days (30, 20, 10 days ago); prune candidates are 1, 2, 4, 5 and 7.</summary>
    private List<string> MakeThreeDailyGroups()
    {
        var names = new[] { 30, 20, 10 }.SelectMany(days => Group.Select(t => NameAt(days, t, TimeSpan.Zero))).ToList();
        CreateSyncByHand();
        foreach (var name in names)
        {
            MakeSnapshot(name);
        }
        return names;
    }

    private JsonElement ListEntry(string name)
    {
        using var json = JsonDocument.Parse(CliOk("list", "data1", "--json").Output);
        return json.RootElement.EnumerateArray().Single(e => e.GetProperty("name").GetString() == name).Clone();
    }

    [Test]
    public void A_pinned_snapshot_survives_prune_and_the_others_go_then_unpinned_the_next_prune_deletes_it()
    {
        var names = MakeThreeDailyGroups();
        var pinned = names[1];

        var pin = CliOk("pin", "data1", pinned, "--note", "before the upgrade");

        Assert.That(pin.Output, Does.Contain("pinned " + pinned));
        Assert.That(File.Exists(PinsFile), Is.True);
        var dryRun = CliOk("prune", "data1", "--dry-run");
        Assert.That(dryRun.Output, Does.Not.Contain(pinned), "the dry run would not delete it");
        Assert.That(dryRun.Output, Does.Contain(names[2]));

        CliOk("prune", "data1", "--yes");

        Assert.That(SnapshotNames(), Is.EqualTo(new[] { names[0], pinned, names[3], names[6], names[8] }));

        var unpin = CliOk("unpin", "data1", pinned);
        Assert.That(unpin.Output, Does.Contain("unpinned " + pinned));
        CliOk("prune", "data1", "--yes");
        Assert.That(SnapshotNames(), Is.EqualTo(new[] { names[0], names[3], names[6], names[8] }));
        Assert.That(File.Exists(PinsFile), Is.False, "no pins left, no file");
    }

    [Test]
    public void A_pinned_snapshot_survives_decay_and_autoprune()
    {
        WriteConfig("decay = 2 days\nautoprune = true");
        WriteFile(Path.Combine(Source, "a.txt"), "one");
        var names = MakeThreeDailyGroups();
        CliOk("pin", "data1", names[4]);

        var created = CliOk("backup", "data1").Output.Trim();
        Assert.That(SnapshotNames(), Is.EqualTo(new[] { names[0], names[3], names[4], names[6], created }), "autoprune kept the pinned one");

        CliOk("decay", "data1", "--yes");
        Assert.That(SnapshotNames(), Is.EqualTo(new[] { names[4], created }), "decay kept the pinned one and the newest");
    }

    [Test]
    public void List_shows_the_pin_and_note_in_text_and_json_and_a_second_config_on_the_same_volume_sees_it()
    {
        var names = MakeThreeDailyGroups();
        CliOk("pin", "data1", names[2], "--note", "tax records");
        CliOk("pin", "data1", names[5]);

        var text = CliOk("list", "data1").Output.Split('\n');
        var pinnedLine = text.Single(l => l.StartsWith(names[2], StringComparison.Ordinal));
        Assert.That(pinnedLine, Does.Contain("pinned: tax records"));
        Assert.That(pinnedLine, Does.Not.Contain("prune candidate"), "a pinned snapshot is no candidate");
        Assert.That(text.Single(l => l.StartsWith(names[5], StringComparison.Ordinal)), Does.EndWith("pinned"));
        Assert.That(text.Single(l => l.StartsWith(names[1], StringComparison.Ordinal)), Does.Not.Contain("pinned"));

        // Another machine's config (another section name) pointing at the moved disk reads the same file.
        var other = Path.Combine(Loop.Root, "other.ini");
        File.WriteAllText(other, $"[elsewhere]\nsource = {Source}\nbackups = {Backups}\n");
        var result = CliProcess.Run(["-c", other, "list", "elsewhere", "--json"]);
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        using var json = JsonDocument.Parse(result.Output);
        var entries = json.RootElement.EnumerateArray().ToDictionary(e => e.GetProperty("name").GetString()!);
        Assert.That(entries[names[2]].GetProperty("pinned").GetBoolean(), Is.True);
        Assert.That(entries[names[2]].GetProperty("pin_note").GetString(), Is.EqualTo("tax records"));
        Assert.That(entries[names[2]].GetProperty("prune").GetBoolean(), Is.False);
        Assert.That(entries[names[5]].GetProperty("pinned").GetBoolean(), Is.True);
        Assert.That(entries[names[5]].GetProperty("pin_note").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(entries[names[1]].GetProperty("pinned").GetBoolean(), Is.False);
        Assert.That(entries[names[1]].GetProperty("prune").GetBoolean(), Is.True);
    }

    [Test]
    public void Pinning_again_replaces_the_note()
    {
        var names = MakeThreeDailyGroups();
        CliOk("pin", "data1", names[1], "--note", "first");
        var first = File.ReadAllText(PinsFile);
        var again = CliOk("pin", "data1", names[1], "--note", "second");

        Assert.That(again.Output, Does.Contain($"{names[1]} was pinned already (note: first); now note: second"));
        var since = JsonDocument.Parse(first).RootElement.GetProperty(names[1]).GetProperty("pinned").GetString();
        Assert.That(JsonDocument.Parse(File.ReadAllText(PinsFile)).RootElement.GetProperty(names[1]).GetProperty("pinned").GetString(), Is.EqualTo(since),
            "pinned again: the note changes, not since when");

        Assert.That(ListEntry(names[1]).GetProperty("pin_note").GetString(), Is.EqualTo("second"));
    }

    [TestCase("2020-01-01T00:00:00+00:00")]
    [TestCase("notes")]
    [TestCase(".sync")]
    public void Pin_of_a_snapshot_that_is_not_there_exits_2_with_one_message_and_writes_nothing(string snapshot)
    {
        MakeThreeDailyGroups();
        Directory.CreateDirectory(Path.Combine(Backups, "notes"));

        var result = Cli("pin", "data1", snapshot);

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Error, Does.Contain(snapshot).And.Contain("nothing was pinned"));
        Assert.That(File.Exists(PinsFile), Is.False);
    }

    [Test]
    public void Unpin_of_a_snapshot_that_is_not_pinned_exits_2()
    {
        var names = MakeThreeDailyGroups();

        var result = Cli("unpin", "data1", names[1]);

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Error, Does.Contain("is not pinned"));
    }

    [Test]
    public void Dry_runs_of_pin_and_unpin_write_nothing()
    {
        var names = MakeThreeDailyGroups();

        var pin = CliOk("pin", "data1", names[1], "--note", "x", "--dry-run");
        Assert.That(pin.Output, Does.Contain("dry run: would have pinned " + names[1]));
        Assert.That(File.Exists(PinsFile), Is.False);
        Assert.That(File.Exists(Path.Combine(Backups, ".snapshotbackup.lock")), Is.False, "not even the lock file");

        CliOk("pin", "data1", names[1]);
        var before = File.ReadAllText(PinsFile);
        var unpin = CliOk("unpin", "data1", names[1], "-n");
        Assert.That(unpin.Output, Does.Contain("dry run: would have unpinned " + names[1]));
        Assert.That(File.ReadAllText(PinsFile), Is.EqualTo(before));
    }

    [Test]
    public void Destroy_removes_the_pins_file_and_the_directory()
    {
        var names = MakeThreeDailyGroups();
        CliOk("pin", "data1", names[0]);
        Assert.That(CliOk("destroy", "data1", "--dry-run").Output, Does.Not.Contain("not backups"), "the pins file is ours");

        CliOk("destroy", "data1", "--yes");

        Assert.That(Directory.Exists(Backups), Is.False, "the pins file did not keep the directory");
    }

    [Test]
    public void A_pinned_snapshot_deleted_by_hand_is_ignored_and_dropped_from_the_file_at_the_next_pin()
    {
        var names = MakeThreeDailyGroups();
        CliOk("pin", "data1", names[1]);
        Shell.Check("btrfs", "subvolume", "delete", Path.Combine(Backups, names[1]));

        var list = CliOk("list", "data1");
        Assert.That(list.Error, Is.Empty, list.ToString());
        CliOk("prune", "data1", "--yes");
        CliOk("pin", "data1", names[0]);

        var pins = File.ReadAllText(PinsFile);
        Assert.That(pins, Does.Not.Contain(names[1]));
        Assert.That(pins, Does.Contain(names[0]));
    }

    [TestCase("prune")]
    [TestCase("decay")]
    public void A_corrupt_pins_file_makes_prune_and_decay_refuse_and_delete_nothing(string command)
    {
        WriteConfig("decay = 2 days");
        var names = MakeThreeDailyGroups();
        File.WriteAllText(PinsFile, "{ not json");

        var result = Cli(command, "data1", "--yes");

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Error, Does.Contain(".pins.json").And.Contain("nothing is deleted"));
        Assert.That(SnapshotNames(), Is.EqualTo(names));
        var list = Cli("list", "data1");
        Assert.That(list.ExitCode, Is.Zero, "list still lists, with a warning");
        Assert.That(list.Error, Does.Contain(".pins.json"));
    }

    [TestCase("pin")]
    [TestCase("unpin")]
    public void A_locked_volume_makes_pin_and_unpin_exit_75(string command)
    {
        var names = MakeThreeDailyGroups();
        var lockFile = Path.Combine(Backups, ".snapshotbackup.lock");
        File.WriteAllText(lockFile, "4242\n");
        var holder = Process.Start(new ProcessStartInfo("flock", ["-x", lockFile, "sleep", "60"]) { UseShellExecute = false })!;
        _started.Add(holder);
        Poll.Until(() => Shell.Run("flock", "-n", lockFile, "true").ExitCode != 0, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));

        var result = Cli(command, "data1", names[1]);

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Locked), result.ToString());
        Assert.That(File.Exists(PinsFile), Is.False);
    }
}
