using System.Text.Json;
using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.EndToEnd;

/// <summary>
/// The command with <c>copy_to</c> on a second real btrfs: copies at the end of each backup, <c>copy</c>, <c>list</c>,
/// <c>status</c>, source retention keeping a target's common snapshot, <c>restore --from-copy</c> with the backups disk
/// gone, dry runs and unreachable targets.
/// </summary>
[NonParallelizable]
public class CopyCommandTests : VolumeTest
{
    private LoopBtrfs _targetDisk = null!;

    private string TargetPath => Path.Combine(_targetDisk.Mount, "copies");

    [SetUp]
    public void CreateTarget()
    {
        _targetDisk = LoopBtrfs.Create();
        Directory.CreateDirectory(TargetPath);
        WriteConfig($"copy_to = {TargetPath}");
    }

    [TearDown]
    public void RemoveTarget() => _targetDisk?.Dispose();

    private IReadOnlyList<string> Copies() => VolumeSnapshots.Names(TargetPath);

    private static string Uuid(string directory, string name, bool received)
    {
        var show = Shell.Run("btrfs", "subvolume", "show", Path.Combine(directory, name));
        Assert.That(show.ExitCode, Is.Zero, show.ToString());
        var label = received ? "Received UUID:" : "UUID:";
        return show.Output.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith(label, StringComparison.Ordinal))[label.Length..].Trim();
    }

    private void AssertCopyEquals(string name)
    {
        var rsync = Shell.Run("rsync", "-naiHAXc", "--delete", Path.Combine(Backups, name) + "/", Path.Combine(TargetPath, name) + "/");
        Assert.That(rsync.ExitCode, Is.Zero, rsync.ToString());
        Assert.That(rsync.Output, Is.Empty, $"the copy of {name} differs from it");
        Assert.That(Uuid(TargetPath, name, received: true), Is.EqualTo(Uuid(Backups, name, received: false)), "received_uuid is the source snapshot's uuid");
        Assert.That(BtrfsManager.Instance.Inspect(TargetPath, name), Is.EqualTo(SubvolumeKind.ReadOnlySubvolume));
    }

    [Test]
    public void Each_backup_ends_with_a_copy_full_the_first_time_then_incremental_and_list_and_status_say_so()
    {
        CliOk("setup", "data1");
        WriteFile(Path.Combine(Source, "a.txt"), "alpha");
        var data = new byte[4 << 20];
        new Random(15).NextBytes(data);
        File.WriteAllBytes(Path.Combine(Source, "big.bin"), data);
        var first = CliOk("backup", "data1");
        Assert.That(first.Output, Does.Contain("full (no common snapshot)"), first.ToString());
        WriteFile(Path.Combine(Source, "b.txt"), "beta");
        var second = CliOk("backup", "data1");
        var names = SnapshotNames();
        Assert.That(second.Output, Does.Contain($"sent {names[1]}, incremental from {names[0]}"), second.ToString());
        Assert.That(Copies(), Is.EqualTo(names));
        foreach (var name in names)
        {
            AssertCopyEquals(name);
        }
        var bytes = System.Text.RegularExpressions.Regex.Matches(first.Output + second.Output, @"\((\d+) bytes\)").Select(m => long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.That(bytes, Has.Count.EqualTo(2));
        Assert.That(bytes[1], Is.LessThan(bytes[0] / 10), "the second copy is incremental");

        var list = CliOk("list", "data1");
        Assert.That(list.Output, Does.Contain("copied to " + TargetPath));
        var json = JsonDocument.Parse(CliOk("list", "data1", "--json").Output);
        Assert.That(json.RootElement.EnumerateArray().Select(e => e.GetProperty("copies")[0].GetString()), Is.All.EqualTo(TargetPath));

        var status = CliOk("status", "data1", "--state-file", Path.Combine(Loop.Root, "state.json"));
        Assert.That(status.Output, Does.Contain("copy " + TargetPath + ":"));
        Assert.That(status.Output, Does.Contain("up to date"));

        var again = CliOk("copy", "data1");
        Assert.That(again.Output, Does.Contain("up to date"), again.ToString());
    }

    [Test]
    public void Prune_keeps_a_targets_common_snapshot_until_the_target_has_been_unreachable_longer_than_copy_decay()
    {
        CliOk("setup", "data1");
        WriteFile(Path.Combine(Source, "a.txt"), "alpha");
        WriteConfig(string.Empty);
        CliOk("backup", "data1");
        WriteConfig($"copy_to = {TargetPath}");
        // Two snapshots of one day ten days ago: the second is neither daily nor weekly nor within retain_all: a prune candidate.
        var daily = NameAt(10, TimeSpan.FromHours(10), LocalOffset);
        var candidate = NameAt(10, TimeSpan.FromHours(11), LocalOffset);
        var newest = SnapshotNames()[0];
        Shell.Check("btrfs", "subvolume", "delete", Path.Combine(Backups, newest));
        MakeSnapshot(daily);
        MakeSnapshot(candidate);
        CliOk("copy", "data1");
        Assert.That(Copies(), Is.EqualTo(new[] { daily, candidate }));
        // The target goes away; a backup made meanwhile is not copied.
        Shell.Check("umount", _targetDisk.Mount);
        WriteFile(Path.Combine(Source, "b.txt"), "beta");
        var backup = CliOk("backup", "data1");
        Assert.That(backup.Output, Does.Contain("not reachable, skipped"), backup.ToString());

        var kept = CliOk("prune", "data1", "--yes");
        Assert.That(SnapshotNames(), Does.Contain(candidate), "the target's common snapshot was pruned: " + kept);
        Assert.That(kept.Error + kept.Output, Does.Contain($"keeping {candidate}, the common snapshot of copy target {TargetPath}"));
        Assert.That(CliOk("list", "data1").Output, Does.Contain(candidate + "  ").And.Contain("copy parent"));

        // Unreachable for longer than copy_decay: the snapshot is pruned, and the log says why.
        var records = Path.Combine(Backups, ".copies.json");
        var text = File.ReadAllText(records);
        var reachable = JsonDocument.Parse(text).RootElement.GetProperty(TargetPath).GetProperty("last_reachable").GetString()!;
        File.WriteAllText(records, text.Replace(reachable, DateTimeOffset.Now.AddYears(-2).ToString("yyyy-MM-ddTHH:mm:sszzz", System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
        var released = CliOk("prune", "data1", "--yes");
        Assert.That(SnapshotNames(), Does.Not.Contain(candidate));
        Assert.That(released.Error + released.Output, Does.Contain("copy_decay").And.Contain("full send"));
    }

    [Test]
    public void Restore_from_a_copy_works_with_the_backups_disk_gone_and_asks_for_no_backup_first_or_to()
    {
        CliOk("setup", "data1");
        WriteFile(Path.Combine(Source, "docs", "report.txt"), "the report");
        CliOk("backup", "data1");
        Shell.Check("umount", Loop.Mount); // the backups disk is gone
        File.Delete(Path.Combine(Source, "docs", "report.txt"));

        var refused = Cli("restore", "data1", "docs", "--from-copy", TargetPath, "--yes");
        Assert.That(refused.ExitCode, Is.EqualTo(2), refused.ToString());
        Assert.That(refused.Error, Does.Contain("--no-backup-first").And.Contain("--to"));
        Assert.That(File.Exists(Path.Combine(Source, "docs", "report.txt")), Is.False);

        var restored = Cli("restore", "data1", "docs", "--from-copy", TargetPath + "/", "--no-backup-first", "--yes");
        Assert.That(restored.ExitCode, Is.Zero, restored.ToString());
        Assert.That(File.ReadAllText(Path.Combine(Source, "docs", "report.txt")), Is.EqualTo("the report"));

        var elsewhere = Path.Combine(Loop.Root, "elsewhere");
        var to = Cli("restore", "data1", ".", "--from-copy", TargetPath, "--to", elsewhere, "--yes");
        Assert.That(to.ExitCode, Is.Zero, to.ToString());
        Assert.That(File.ReadAllText(Path.Combine(elsewhere, "docs", "report.txt")), Is.EqualTo("the report"));
    }

    [Test]
    public void Copy_dry_run_changes_nothing_and_bad_or_unreachable_targets_are_named()
    {
        CliOk("setup", "data1");
        WriteFile(Path.Combine(Source, "a.txt"), "alpha");
        WriteConfig(string.Empty);
        CliOk("backup", "data1");
        CliOk("backup", "data1");
        WriteConfig($"copy_to = {TargetPath}");
        string State() => Shell.Run("find", Backups, TargetPath, "-printf", "%p %y %s %m %T@\\n").Output;
        var before = State();
        var dry = CliOk("copy", "data1", "--dry-run");
        Assert.That(dry.Output, Does.Contain("would send").And.Contain("nothing was changed"), dry.ToString());
        Assert.That(State(), Is.EqualTo(before), "copy --dry-run changed a disk");
        Assert.That(Directory.Exists(Path.Combine(TargetPath, ".incoming")), Is.False);

        var unknown = Cli("copy", "data1", "--to", "/mnt/elsewhere");
        Assert.That(unknown.ExitCode, Is.EqualTo(2), unknown.ToString());
        Assert.That(unknown.Error, Does.Contain("/mnt/elsewhere").And.Contain(TargetPath));

        Shell.Check("umount", _targetDisk.Mount);
        var unreachable = Cli("copy", "data1");
        Assert.That(unreachable.ExitCode, Is.EqualTo(1), unreachable.ToString());
        Assert.That(unreachable.Output, Does.Contain("not reachable"));
        Assert.That(SnapshotNames(), Has.Count.EqualTo(2), "an unreachable target changed the snapshots");
        Assert.That(File.ReadAllText(Path.Combine(Backups, ".copies.json")), Does.Contain("last_error"), "the attempt is recorded for status");
    }

    [Test]
    public void Kill_9_of_the_command_mid_copy_leaves_nothing_published_half_and_the_next_copy_completes()
    {
        CliOk("setup", "data1");
        var data = new byte[1 << 20];
        var random = new Random(9);
        for (var i = 0; i < 6; i++)
        {
            using var file = File.Create(Path.Combine(Source, $"big{i}.bin"));
            for (var mb = 0; mb < 64; mb++)
            {
                random.NextBytes(data);
                file.Write(data);
            }
        }
        WriteConfig(string.Empty);
        CliOk("backup", "data1");
        WriteConfig($"copy_to = {TargetPath}");
        var name = SnapshotNames().Single();

        using var copy = CliProcess.Start("-c", ConfigPath, "copy", "data1");
        var incoming = Path.Combine(TargetPath, ".incoming");
        Assert.That(Poll.Until(() => Directory.Exists(incoming) && Directory.EnumerateFileSystemEntries(incoming).Any()
            && Directory.EnumerateFileSystemEntries(incoming).Any(e => Directory.Exists(e) && Directory.EnumerateFiles(e).Any()), TimeSpan.FromSeconds(60)),
            Is.True, "the receive never started");
        copy.Kill(entireProcessTree: false); // SIGKILL to the command alone: its children die with it (parent-death signal)
        copy.WaitForExit();
        Assert.That(Poll.Until(() => !Shell.Run("pgrep", "-f", TargetPath).Output.Contains('\n', StringComparison.Ordinal), TimeSpan.FromSeconds(20)), Is.True,
            "btrfs send or receive outlived the killed command");
        Assert.That(Copies(), Is.Empty, "a half copy was published");

        var again = CliOk("copy", "data1");
        Assert.That(again.Output, Does.Contain("left by a cut receive").And.Contain("sent " + name), again.ToString());
        Assert.That(Copies(), Is.EqualTo(new[] { name }));
        AssertCopyEquals(name);
        Assert.That(Directory.EnumerateFileSystemEntries(incoming), Is.Empty);
    }
}
