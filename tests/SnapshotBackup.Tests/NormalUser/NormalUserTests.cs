using System.Text.Json;
using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Core.Notifications;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.NormalUser;

/// <summary>
/// The real command run by a normal user (setpriv) on their own backups directory on a real btrfs, with real sudo and
/// exactly the original's two sudoers lines: setup, backups, list, status, and deletions through sudo; without the
/// lines a clear failure (exit 1) that deletes nothing; with <c>user_subvol_rm_allowed</c> no sudo at all.
/// </summary>
[NonParallelizable]
[Category("NormalUser")]
public class NormalUserTests : VolumeTest
{
    private const string Btrfs = "/usr/bin/btrfs";

    private UserAccount _user = null!;
    private string DropInName => "sbtest-" + _user.Name;
    private string _home = null!;
    private int _change;

    /// <summary>The two lines of the original's page, for this test's user.</summary>
    private string[] SudoersLines =>
    [
        $"{_user.Name} ALL=(ALL) NOPASSWD: {Btrfs} subvolume list *",
        $"{_user.Name} ALL=(ALL) NOPASSWD: {Btrfs} subvolume delete *",
    ];

    [SetUp]
    public void GiveTheVolumeToTheUser()
    {
        _user = NormalUserAccount.Ensure();
        if (!File.Exists("/usr/bin/sudo") || !File.Exists("/usr/sbin/visudo"))
        {
            Assert.Ignore("sudo is not installed (tests/run.sh installs it)");
        }
        if (SudoBtrfsCommand.Locate(Environment.GetEnvironmentVariable).Btrfs != Btrfs)
        {
            Assert.Ignore($"btrfs is not {Btrfs}, the path the original's sudoers lines name");
        }
        SudoersDropIn.RemoveStale(DropInName); // "without the lines" must mean without them
        Shell.Check("chmod", "755", Loop.Root); // mkdtemp made it 0700; the user must get through
        _home = Path.Combine(Loop.Root, "home");
        Directory.CreateDirectory(_home);
        Directory.CreateDirectory(Path.Combine(Loop.Mount, "backups"));
        WriteFile(Path.Combine(Source, "file"), "version 0");
        NormalUserAccount.Chown(_user, _home);
        NormalUserAccount.Chown(_user, Source);
        NormalUserAccount.Chown(_user, Path.Combine(Loop.Mount, "backups")); // the user's own directory on the volume
        WriteUserConfig(string.Empty);
        Assert.That(Mounted().Split(','), Does.Not.Contain("user_subvol_rm_allowed"), "mounted as a distribution would by default");
    }

    /// <summary>sudo's per-user timestamp record (made even for NOPASSWD commands) goes with the test.</summary>
    [TearDown]
    public void RemoveSudoRecord()
    {
        // On a machine where sudo never ran before this test (a fresh CI machine, a container) there is no /run/sudo/ts
        // unless this test's sudo made it; File.Delete throws for a missing directory.
        var record = _user is null ? null : Path.Combine("/run/sudo/ts", _user.Name);
        if (record is not null && File.Exists(record))
        {
            File.Delete(record);
        }
    }

    private void WriteUserConfig(string extra)
    {
        WriteConfig(extra);
        NormalUserAccount.Chown(_user, ConfigPath);
    }

    /// <summary>The mount options of the test's btrfs, from /proc/mounts.</summary>
    private string Mounted() =>
        File.ReadAllLines("/proc/mounts").Select(l => l.Split(' ')).Single(f => f[1] == Loop.Mount)[3];

    /// <summary>The command as the user: <c>setpriv --reuid ... -- dotnet snapshotbackup.dll -c config ARGS</c>.</summary>
    private Shell.Result AsUser(params string[] args) =>
        Shell.Run("setpriv", [.. NormalUserAccount.AsUser(_user), "dotnet", CliProcess.Dll, "-c", ConfigPath, .. args],
            new Dictionary<string, string> { ["HOME"] = _home, ["USER"] = _user.Name, ["LOGNAME"] = _user.Name },
            TimeSpan.FromMinutes(3));

    private Shell.Result AsUserOk(params string[] args)
    {
        var result = AsUser(args);
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        return result;
    }

    /// <summary>
    /// setup and four real backups as the user; the first three are then renamed to 10:00, 10:05 and 10:10 three days
    /// ago (the clock arranged by name, as the retention tests do): the last two of that day are prune candidates.
    /// </summary>
    private (List<string> Kept, List<string> Candidates) BackUpFourTimes()
    {
        AsUserOk("setup", "data1");
        Assert.That(Owner(Backups), Is.EqualTo(_user.Uid), "setup created the backups directory as the user");
        var taken = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            WriteFile(Path.Combine(Source, "file"), $"version {++_change}");
            NormalUserAccount.Chown(_user, Source);
            var output = AsUserOk("backup", "data1").Output;
            taken.Add(output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[0]);
        }
        Assert.That(SnapshotNames(), Is.EqualTo(taken), "each backup made a read-only snapshot");
        Assert.That(Owner(Path.Combine(Backups, taken[0])), Is.EqualTo(_user.Uid));
        var renamed = new[] { 0, 5, 10 }.Select(m => NameAt(3, new TimeSpan(10, m, 0), LocalOffset)).ToList();
        for (var i = 0; i < 3; i++)
        {
            Directory.Move(Path.Combine(Backups, taken[i]), Path.Combine(Backups, renamed[i]));
        }
        Assert.That(PruneFlagged(), Is.EqualTo(renamed.Skip(1)), "list, run by the user, marks the two prune candidates");
        return ([renamed[0], taken[3]], [renamed[1], renamed[2]]);
    }

    private List<string> PruneFlagged()
    {
        using var json = JsonDocument.Parse(AsUserOk("list", "data1", "--json").Output);
        return json.RootElement.EnumerateArray().Where(e => e.GetProperty("prune").GetBoolean()).Select(e => e.GetProperty("name").GetString()!).ToList();
    }

    private static uint Owner(string path)
    {
        var output = Shell.Run("stat", "-c", "%u", path);
        return uint.Parse(output.Output.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static int Count(string text, string part) => text.Split('\n').Count(l => l.Contains(part, StringComparison.Ordinal));

    [Test]
    public void With_the_two_sudoers_lines_a_normal_user_backs_up_lists_and_prunes_through_sudo_and_destroys()
    {
        using var sudoers = SudoersDropIn.Install(DropInName, SudoersLines);
        var (kept, candidates) = BackUpFourTimes();

        var prune = AsUser("prune", "data1", "--yes");

        Assert.That(prune.ExitCode, Is.Zero, prune.ToString());
        Assert.That(SnapshotNames(), Is.EqualTo(kept), "exactly the candidates are gone");
        foreach (var name in candidates)
        {
            Assert.That(prune.Output, Does.Contain("deleted " + name));
            Assert.That(prune.Error, Does.Contain($"deleted {Path.Combine(Backups, name)} through sudo"), prune.ToString());
        }
        Assert.That(Count(prune.Error, $"deleting through sudo -n {Btrfs} subvolume delete"), Is.EqualTo(1), "said once per run: " + prune.Error);
        Assert.That(prune.Error, Does.Contain($"user {_user.Name} may not delete btrfs snapshots itself"));
        Assert.That(prune.Error, Does.Contain("mounted without user_subvol_rm_allowed"));

        Assert.That(AsUserOk("list", "data1").Output, Does.Contain(kept[0]).And.Contain(kept[1]));
        Assert.That(AsUserOk("status", "data1").Output, Does.Contain("data1"));

        var destroy = AsUser("destroy", "data1", "--yes");
        Assert.That(destroy.ExitCode, Is.Zero, destroy.ToString());
        Assert.That(Directory.Exists(Backups), Is.False, "every backup, .sync (writable) and the directory are gone: " + destroy);
        Assert.That(destroy.Error, Does.Contain($"deleted {Path.Combine(Backups, ".sync")} through sudo"));
        Assert.That(Count(destroy.Error, "deleting through sudo"), Is.EqualTo(1), "said once for the snapshots and .sync: " + destroy.Error);
    }

    [Test]
    public void Without_the_sudoers_lines_prune_exits_1_says_what_failed_and_what_to_do_and_deletes_nothing()
    {
        var (kept, candidates) = BackUpFourTimes();

        var prune = AsUser("prune", "data1", "--yes");

        Assert.That(prune.ExitCode, Is.EqualTo(1), prune.ToString());
        Assert.That(SnapshotNames(), Is.EqualTo(new[] { kept[0], candidates[0], candidates[1], kept[1] }), "nothing was deleted");
        Assert.That(prune.Output, Does.Not.Contain("deleted"));
        Assert.That(prune.Error, Does.Contain($"error: cannot delete {Path.Combine(Backups, candidates[0])}: user {_user.Name} may not"));
        Assert.That(prune.Error, Does.Contain($"mount -o remount,user_subvol_rm_allowed {Loop.Mount}"));
        foreach (var line in SudoersLines)
        {
            Assert.That(prune.Error, Does.Contain("    " + line + "\n"), "the lines to add, with the user's name and btrfs's path");
        }
        Assert.That(prune.Error, Does.Contain("1 more backups to delete were not tried"));
        Assert.That(Count(prune.Error, "error: "), Is.EqualTo(1), "one error, not one per backup: " + prune.Error);
    }

    [Test]
    public void Without_the_sudoers_lines_a_backup_whose_autoprune_cannot_delete_keeps_its_snapshot_and_exits_1()
    {
        var (kept, candidates) = BackUpFourTimes();
        WriteUserConfig("autoprune = true");
        WriteFile(Path.Combine(Source, "file"), "the fifth");
        NormalUserAccount.Chown(_user, Source);

        var backup = AsUser("backup", "data1");

        Assert.That(backup.ExitCode, Is.EqualTo(1), backup.ToString());
        var fifth = backup.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[0];
        Assert.That(SnapshotNames(), Is.EqualTo(new[] { kept[0], candidates[0], candidates[1], kept[1], fifth }),
            "the backup is taken, nothing is deleted");
        Assert.That(backup.Error, Does.Contain("autoprune data1 failed: cannot delete"));
        Assert.That(backup.Error, Does.Contain(SudoersLines[1]));
    }

    [Test]
    public void With_user_subvol_rm_allowed_the_user_deletes_read_only_snapshots_without_sudo()
    {
        var (kept, candidates) = BackUpFourTimes();
        Shell.Check("mount", "-o", "remount,user_subvol_rm_allowed", Loop.Mount);
        Assert.That(Mounted().Split(','), Does.Contain("user_subvol_rm_allowed"));

        var prune = AsUser("prune", "data1", "--yes");

        Assert.That(prune.ExitCode, Is.Zero, prune.ToString());
        Assert.That(SnapshotNames(), Is.EqualTo(kept));
        Assert.That(prune.Output, Does.Contain("deleted " + candidates[0]).And.Contain("deleted " + candidates[1]));
        Assert.That(prune.Error, Does.Not.Contain("sudo"), "no sudoers lines exist and none were needed");

        var destroy = AsUser("destroy", "data1", "--yes");
        Assert.That(destroy.ExitCode, Is.Zero, destroy.ToString());
        Assert.That(Directory.Exists(Backups), Is.False);
        Assert.That(destroy.Error, Does.Not.Contain("sudo"));
    }

    [Test]
    public void With_user_subvol_rm_allowed_a_snapshot_the_user_may_not_remove_stays_read_only_and_the_failure_names_sudoers()
    {
        var (kept, candidates) = BackUpFourTimes();
        Shell.Check("mount", "-o", "remount,user_subvol_rm_allowed", Loop.Mount);
        // Top directories of mode 0555: rmdir's rules, which the kernel applies to a user's subvolume deletion, forbid it.
        foreach (var name in candidates)
        {
            Shell.Check("btrfs", "property", "set", Path.Combine(Backups, name), "ro", "false");
            Shell.Check("chmod", "555", Path.Combine(Backups, name));
            Shell.Check("btrfs", "property", "set", Path.Combine(Backups, name), "ro", "true");
        }

        var prune = AsUser("prune", "data1", "--yes");

        Assert.That(prune.ExitCode, Is.EqualTo(1), prune.ToString());
        Assert.That(SnapshotNames(), Is.EqualTo(new[] { kept[0], candidates[0], candidates[1], kept[1] }),
            "still there and still read-only snapshots (SnapshotNames counts only those)");
        Assert.That(prune.Error, Does.Contain($"{Loop.Mount} has user_subvol_rm_allowed, but the snapshot's top directory is not writable"));
        Assert.That(prune.Error, Does.Contain(SudoersLines[1]));
    }
}
