using System.Diagnostics;
using SnapshotBackup.Core;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.EndToEnd;

/// <summary>
/// <c>restore</c> on a real btrfs with real rsync: into the source after a backup of it (and undoing that with the
/// printed command), <c>--to</c>, <c>--delete</c> sparing ignored files, <c>--dry-run</c>, the refusals.
/// </summary>
public class RestoreTests : VolumeTest
{
    private readonly List<Process> _started = [];

    [TearDown]
    public void StopStarted()
    {
        foreach (var p in _started)
        {
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
                p.WaitForExit(10_000);
            }
            p.Dispose();
        }
        _started.Clear();
    }

    private string Src(string relative) => Path.Combine(Source, relative);

    /// <summary>setup and one backup of docs/a.txt, docs/b.txt, top.txt; returns the snapshot's name.</summary>
    private string BackUpThreeFiles()
    {
        WriteFile(Src("docs/a.txt"), "a as backed up");
        WriteFile(Src("docs/b.txt"), "b as backed up");
        WriteFile(Src("top.txt"), "top as backed up");
        CliOk("setup", "data1");
        return CliOk("backup", "data1").Output.Trim();
    }

    /// <summary>The undo command the restore printed, as arguments for <see cref="VolumeTest.Cli"/> (its words are plain here).</summary>
    private string[] UndoArguments(string output)
    {
        var line = output.Split('\n').Single(l => l.Contains("to undo: ", StringComparison.Ordinal));
        var words = line[(line.IndexOf("to undo: ", StringComparison.Ordinal) + "to undo: ".Length)..].Trim().Split(' ');
        Assert.That(words[..3], Is.EqualTo(new[] { "snapshotbackup", "-c", ConfigPath }), "with the configuration the restore read");
        return words[3..];
    }

    [Test]
    public void A_deleted_file_comes_back_after_a_backup_of_the_source_and_the_printed_command_undoes_the_restore()
    {
        var first = BackUpThreeFiles();
        File.Delete(Src("docs/a.txt"));
        File.WriteAllText(Src("docs/b.txt"), "b changed later");

        var result = CliOk("restore", "data1", "docs/a.txt", "--yes");

        Assert.That(File.ReadAllText(Src("docs/a.txt")), Is.EqualTo("a as backed up"));
        Assert.That(File.ReadAllText(Src("docs/b.txt")), Is.EqualTo("b changed later"), "only the named path is restored");
        var names = SnapshotNames();
        Assert.That(names, Has.Count.EqualTo(2), "the backup taken before the restore");
        var before = names[1];
        Assert.That(File.Exists(Path.Combine(Backups, before, "docs/a.txt")), Is.False, "it is the source as it was before");
        Assert.That(File.ReadAllText(Path.Combine(Backups, before, "docs/b.txt")), Is.EqualTo("b changed later"));
        Assert.That(result.Error, Does.Contain($"snapshot {before} taken before restoring docs/a.txt from {first}"));
        Assert.That(result.Output, Does.Contain($"restored docs/a.txt from snapshot {first} into {Source}"));
        Assert.That(result.Output, Does.Contain($"the source as it was before is snapshot {before}"));

        // The file did not exist before the restore: the undo restores its directory with --delete.
        var undo = UndoArguments(result.Output);
        Assert.That(undo, Is.EqualTo(new[] { "restore", "data1", "docs", "--from", before, "--delete" }));
        CliOk([.. undo, "--yes"]);
        Assert.That(File.Exists(Src("docs/a.txt")), Is.False, "undone: the restored file is gone again");
        Assert.That(File.ReadAllText(Src("docs/b.txt")), Is.EqualTo("b changed later"));
        Assert.That(SnapshotNames(), Has.Count.EqualTo(3), "the undo, a restore too, backed the source up first");
        Assert.That(File.ReadAllText(Path.Combine(Backups, first, "docs/a.txt")), Is.EqualTo("a as backed up"), "snapshots are never written");
    }

    [Test]
    public void A_modified_directory_comes_back_exactly_and_delete_removes_what_the_snapshot_lacked_but_never_ignored_files()
    {
        WriteConfig("ignore = /docs/cache");
        var first = BackUpThreeFiles();
        WriteFile(Src("docs/sub/deep.txt"), "deep");
        File.WriteAllText(Src("docs/a.txt"), "a modified");
        File.Delete(Src("docs/b.txt"));
        WriteFile(Src("docs/cache/kept"), "ignored, never deleted");
        Shell.Check("chmod", "700", Src("docs"));
        File.WriteAllText(Src("top.txt"), "top changed");

        var result = CliOk("restore", "data1", Src("docs"), "--delete", "--yes");

        Assert.That(File.ReadAllText(Src("docs/a.txt")), Is.EqualTo("a as backed up"));
        Assert.That(File.ReadAllText(Src("docs/b.txt")), Is.EqualTo("b as backed up"));
        Assert.That(Directory.Exists(Src("docs/sub")), Is.False, "--delete removed what the snapshot did not have");
        Assert.That(File.ReadAllText(Src("docs/cache/kept")), Is.EqualTo("ignored, never deleted"));
        Assert.That(File.ReadAllText(Src("top.txt")), Is.EqualTo("top changed"), "outside the restored path");
        var check = Shell.Run("rsync", "-naHAXc", "--numeric-ids", "--delete", "--itemize-changes", "--exclude=/cache",
            Path.Combine(Backups, first, "docs") + "/", Src("docs") + "/");
        Assert.That(check.Output, Is.Empty, "rsync -naHAXc sees no difference: " + check);
        Assert.That(result.Output, Does.Contain("to undo: "));
    }

    [Test]
    public void Dry_run_lists_the_changes_and_a_summary_and_changes_nothing_not_even_a_backup()
    {
        var first = BackUpThreeFiles();
        File.Delete(Src("docs/a.txt"));
        File.WriteAllText(Src("top.txt"), "top changed");
        WriteFile(Src("docs/new.txt"), "new");

        var result = CliOk("restore", "data1", ".", "--delete", "--dry-run");

        Assert.That(result.Output, Does.Contain(">f+++++++++ docs/a.txt"));
        Assert.That(result.Output, Does.Contain("*deleting   docs/new.txt"));
        Assert.That(result.Output, Does.Match(@"\S+ top\.txt"));
        Assert.That(result.Output, Does.Contain($"dry run: restoring . from snapshot {first} into {Source} would change"));
        Assert.That(result.Output, Does.Contain("1 to create, 1 to delete").And.Contain("nothing was changed"));
        Assert.That(File.Exists(Src("docs/a.txt")), Is.False);
        Assert.That(File.Exists(Src("docs/new.txt")), Is.True);
        Assert.That(SnapshotNames(), Is.EqualTo(new[] { first }), "no backup for a dry run");
    }

    [Test]
    public void Without_a_terminal_or_yes_it_refuses_with_exit_2_and_changes_nothing()
    {
        var first = BackUpThreeFiles();
        File.Delete(Src("docs/a.txt"));

        var result = Cli("restore", "data1", "docs");

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Usage), result.ToString());
        Assert.That(result.Error, Does.Contain("there is no terminal to ask on; add --yes").And.Contain("1 to create, 0 to delete"));
        Assert.That(File.Exists(Src("docs/a.txt")), Is.False);
        Assert.That(SnapshotNames(), Is.EqualTo(new[] { first }), "no backup either");
    }

    [Test]
    public void An_emptied_source_refuses_the_backup_first_with_a_hint_and_no_backup_first_restores_it()
    {
        var first = BackUpThreeFiles();
        Shell.Check("rm", "-rf", Src("docs"), Src("top.txt"));

        var refused = Cli("restore", "data1", ".", "--yes");

        Assert.That(refused.ExitCode, Is.EqualTo(ExitCodes.Failed), refused.ToString());
        Assert.That(refused.Error, Does.Contain("nothing was restored").And.Contain("restore into it with --no-backup-first"));
        Assert.That(Directory.GetFileSystemEntries(Source), Is.Empty);
        CliOk("restore", "data1", ".", "--yes", "--no-backup-first");
        Assert.That(File.ReadAllText(Src("docs/a.txt")), Is.EqualTo("a as backed up"));
        Assert.That(SnapshotNames(), Is.EqualTo(new[] { first }));
    }

    [TestCase("y\n", true)]
    [TestCase("n\n", false)]
    public void On_a_terminal_it_shows_the_summary_and_asks(string answer, bool restored)
    {
        var first = BackUpThreeFiles();
        File.Delete(Src("docs/a.txt"));
        var command = string.Join(' ', new[] { "dotnet", CliProcess.Dll, "-c", ConfigPath, "restore", "data1", "docs" }.Select(Core.Processes.ShellQuoting.Quote));

        // script(1) gives the command a terminal; the answer is typed into it.
        var result = Shell.Run("sh", ["-c", $"(sleep 4; printf '{answer}') | script -qec {Core.Processes.ShellQuoting.Quote(command)} /dev/null"], null, TimeSpan.FromMinutes(2));

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Output, Does.Contain($"restore docs from snapshot {first} into {Source}:"));
        Assert.That(result.Output, Does.Contain(">f+++++++++ docs/a.txt"));
        Assert.That(result.Output, Does.Contain("1 to overwrite, 1 to create, 0 to delete; the source is backed up first"));
        Assert.That(result.Output, Does.Contain("restore? [y/N]"));
        Assert.That(File.Exists(Src("docs/a.txt")), Is.EqualTo(restored));
        Assert.That(SnapshotNames(), Has.Count.EqualTo(restored ? 2 : 1));
        if (!restored)
        {
            Assert.That(result.Output, Does.Contain("nothing restored"));
        }
    }

    [Test]
    public void Nothing_to_change_says_so_exits_0_and_takes_no_backup()
    {
        var first = BackUpThreeFiles();

        var result = CliOk("restore", "data1", "docs", "top.txt");

        Assert.That(result.Output, Does.Contain($"nothing to restore: docs, top.txt in {Source} already equal snapshot {first}"));
        Assert.That(SnapshotNames(), Is.EqualTo(new[] { first }));
    }

    [Test]
    public void To_restores_elsewhere_from_the_chosen_snapshot_without_a_backup_and_never_into_the_volume()
    {
        var first = BackUpThreeFiles();
        File.WriteAllText(Src("docs/a.txt"), "a second version");
        var second = CliOk("backup", "data1").Output.Trim();
        var elsewhere = Path.Combine(Loop.Root, "elsewhere", "new");

        CliOk("restore", "data1", "docs/a.txt", "--to", elsewhere, "--from", first[..19], "--yes");
        CliOk("restore", "data1", "top.txt", "--to", elsewhere, "--at", second, "--yes");

        Assert.That(File.ReadAllText(Path.Combine(elsewhere, "docs/a.txt")), Is.EqualTo("a as backed up"), "--from a unique prefix");
        Assert.That(File.ReadAllText(Path.Combine(elsewhere, "top.txt")), Is.EqualTo("top as backed up"));
        Assert.That(File.ReadAllText(Src("docs/a.txt")), Is.EqualTo("a second version"), "the source is untouched");
        Assert.That(SnapshotNames(), Is.EqualTo(new[] { first, second }), "no backup for --to");

        var intoVolume = Cli("restore", "data1", "docs", "--to", Path.Combine(Backups, "x"), "--yes");
        Assert.That(intoVolume.ExitCode, Is.EqualTo(ExitCodes.Usage), intoVolume.ToString());
        Assert.That(intoVolume.Error, Does.Contain("a restore never writes there"));
        var aroundVolume = Cli("restore", "data1", "docs", "--to", Loop.Mount, "--yes");
        Assert.That(aroundVolume.ExitCode, Is.EqualTo(ExitCodes.Usage), aroundVolume.ToString());
        Assert.That(Directory.GetFileSystemEntries(Backups).Select(Path.GetFileName), Is.EquivalentTo(new[] { first, second, ".sync", ".snapshotbackup.lock" }));
    }

    [TestCase("/elsewhere/a.txt", "is not in the source")]
    [TestCase("../a.txt", "climbs out of the source")]
    [TestCase("docs/missing.txt", "docs/missing.txt is not in snapshot")]
    public void A_path_outside_the_source_or_not_in_the_snapshot_is_a_usage_error_naming_versions_where_it_helps(string path, string message)
    {
        BackUpThreeFiles();

        var result = Cli("restore", "data1", path, "--yes");

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Usage), result.ToString());
        Assert.That(result.Error, Does.Contain(message));
        if (path.EndsWith("missing.txt", StringComparison.Ordinal))
        {
            Assert.That(result.Error, Does.Contain("'snapshotbackup versions data1 docs/missing.txt'"));
        }
        Assert.That(SnapshotNames(), Has.Count.EqualTo(1));
    }

    [Test]
    public void No_backup_first_warns_what_cannot_be_got_back_and_a_locked_volume_is_exit_75()
    {
        var first = BackUpThreeFiles();
        File.WriteAllText(Src("top.txt"), "top changed");

        var lockFile = Path.Combine(Backups, ".snapshotbackup.lock");
        File.WriteAllText(lockFile, "4242\n");
        var holder = Process.Start(new ProcessStartInfo("flock", ["-x", lockFile, "sleep", "60"]) { UseShellExecute = false })!;
        _started.Add(holder);
        Poll.Until(() => Shell.Run("flock", "-n", lockFile, "true").ExitCode != 0, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));

        foreach (var args in new[] { new[] { "--no-backup-first" }, [], ["--to", Path.Combine(Loop.Root, "out")] })
        {
            var locked = Cli(["restore", "data1", "top.txt", "--yes", .. args]);
            Assert.That(locked.ExitCode, Is.EqualTo(ExitCodes.Locked), locked.ToString());
            Assert.That(locked.Error, Does.Contain("locked by pid 4242"));
        }
        Assert.That(File.ReadAllText(Src("top.txt")), Is.EqualTo("top changed"), "nothing restored while locked");
        holder.Kill(entireProcessTree: true);
        holder.WaitForExit();

        var result = CliOk("restore", "data1", "top.txt", "--no-backup-first", "--yes");
        Assert.That(result.Error, Does.Contain("--no-backup-first: the source is not backed up before the restore; what it overwrites (1) or deletes (0)").And.Contain("cannot be got back"));
        Assert.That(File.ReadAllText(Src("top.txt")), Is.EqualTo("top as backed up"));
        Assert.That(SnapshotNames(), Is.EqualTo(new[] { first }), "no backup was taken");
        Assert.That(result.Output, Does.Not.Contain("to undo"));
    }
}
