using System.Diagnostics;
using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.EndToEnd;

/// <summary>Locks, unavailable sources and volumes, and backups killed or stopped in the middle of rsync.</summary>
public class SafetyTests : VolumeTest
{
    private readonly ChildProcesses _started = new();
    private readonly List<string> _mounts = [];

    [TearDown]
    public void StopChildren()
    {
        _started.StopAll();
        // rsync processes of this test's volume that outlived a killed CLI (when the product is broken).
        foreach (var pid in ProcessScan.Rsync(Backups))
        {
            Shell.Run("kill", "-KILL", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        foreach (var mount in _mounts)
        {
            Shell.Run("umount", mount);
        }
        _mounts.Clear();
    }

    /// <summary>Starts a backup that spends a long time in rsync (a big sparse file) and returns once rsync runs.</summary>
    private Process StartLongBackup()
    {
        WriteFile(Path.Combine(Source, "a.txt"), "small");
        Shell.Check("truncate", "-s", "30G", Path.Combine(Source, "big"));
        CliOk("setup", "data1");
        var process = CliProcess.Start("-c", ConfigPath, "backup", "data1");
        _started.Add(process);
        var stderr = process.StandardError.ReadToEndAsync();
        ProcessScan.AwaitRsync(Backups, process, TimeSpan.FromSeconds(60), () => stderr.Result);
        return process;
    }

    [TestCase("backup")]
    [TestCase("prune")]
    [TestCase("decay")]
    [TestCase("destroy")]
    [TestCase("clean")]
    public void While_a_backup_runs_a_second_command_exits_75_naming_the_pid_that_holds_the_lock(string command)
    {
        var running = StartLongBackup();

        var result = Cli(command, "data1", "--yes");

        Assert.That(result.ExitCode, Is.EqualTo(75), result.ToString());
        Assert.That(result.Error, Does.Contain($"backup 'data1' is locked by pid {running.Id}"));
        Assert.That(running.HasExited, Is.False, "the running backup is not disturbed");
        Assert.That(Directory.Exists(Path.Combine(Backups, ".sync")), Is.True);
    }

    [Test]
    public void A_lock_held_by_another_process_with_flock_makes_backup_exit_75()
    {
        WriteFile(Path.Combine(Source, "a.txt"), "small");
        CliOk("setup", "data1");
        var lockFile = Path.Combine(Backups, ".snapshotbackup.lock");
        // The pid first: .NET's File.Write takes its own flock, and flock(1) opens the file without truncating it.
        File.WriteAllText(lockFile, "4242\n");
        var holder = Process.Start(new ProcessStartInfo("flock", ["-x", lockFile, "sleep", "60"]) { UseShellExecute = false })!;
        _started.Add(holder);
        // flock -n succeeds only while nobody holds the lock; wait until the holder has it.
        Poll.Until(() => Shell.Run("flock", "-n", lockFile, "true").ExitCode != 0, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));

        var result = Cli("backup", "data1");

        Assert.That(result.ExitCode, Is.EqualTo(75), result.ToString());
        Assert.That(result.Error, Does.Contain("backup 'data1' is locked by pid 4242"));
        Assert.That(SnapshotNames(), Is.Empty);
        Assert.That(Directory.Exists(Path.Combine(Backups, ".sync")), Is.False);
    }

    [Test]
    public void Kill_9_during_rsync_leaves_no_snapshot_no_rsync_and_no_stale_lock()
    {
        var running = StartLongBackup();

        running.Kill(entireProcessTree: false);
        Assert.That(running.WaitForExit(30_000), Is.True);

        Assert.That(ProcessScan.SurvivingRsync(Backups), Is.Empty, "rsync dies with the killed backup (parent-death signal)");
        Assert.That(SnapshotNames(), Is.Empty);
        Assert.That(Directory.Exists(Path.Combine(Backups, ".sync")), Is.True, ".sync is kept for the next run");

        File.Delete(Path.Combine(Source, "big"));
        var created = CliOk("backup", "data1").Output.Trim();

        Assert.That(SnapshotNames(), Is.EqualTo(new[] { created }));
        Assert.That(Directory.GetFileSystemEntries(Path.Combine(Backups, created)).Select(Path.GetFileName), Is.EqualTo(new[] { "a.txt" }),
            "no partial or temporary file of the killed run is in the backup");
    }

    [Test]
    public void Sigterm_during_rsync_stops_with_exit_1_keeps_sync_and_takes_no_snapshot()
    {
        var running = StartLongBackup();

        Shell.Check("kill", "-TERM", running.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.That(running.WaitForExit(15_000), Is.True, "the backup stops within 15 s of SIGTERM");
        Assert.That(running.ExitCode, Is.EqualTo(1));
        Assert.That(SnapshotNames(), Is.Empty);
        Assert.That(Directory.Exists(Path.Combine(Backups, ".sync")), Is.True);
        Assert.That(ProcessScan.SurvivingRsync(Backups), Is.Empty);
        Assert.That(Cli("list", "data1").ExitCode, Is.Zero, "the lock was released");
    }

    [Test]
    public void A_missing_source_fails_with_exit_1_and_creates_nothing_in_the_backups_directory()
    {
        var missing = Path.Combine(Loop.Root, "not-there");
        File.WriteAllText(ConfigPath, $"[data1]\nsource = {missing}\nbackups = {Backups}\n");
        CliOk("setup", "data1");

        var result = Cli("backup", "data1");

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Error, Does.Contain(missing).And.Contain("does not exist"));
        Assert.That(Directory.GetFileSystemEntries(Backups), Is.Empty);
    }

    [TestCase(true)]
    [TestCase(false)]
    public void A_backups_directory_not_on_btrfs_makes_setup_and_backup_fail_and_creates_nothing(bool tmpfs)
    {
        WriteFile(Path.Combine(Source, "a.txt"), "small");
        var root = Path.Combine(Loop.Root, tmpfs ? "tmpfs" : "plain");
        Directory.CreateDirectory(root);
        if (tmpfs)
        {
            Shell.Check("mount", "-t", "tmpfs", "-o", "size=16m", "sbtest", root);
            _mounts.Add(root);
        }
        else if (BtrfsManager.Instance.IsBtrfs(root))
        {
            Assert.Ignore($"{root} is on btrfs here");
        }
        var backups = Path.Combine(root, "backups", "data1");
        File.WriteAllText(ConfigPath, $"[data1]\nsource = {Source}\nbackups = {backups}\n");

        var setup = Cli("setup", "data1");
        Assert.That(setup.ExitCode, Is.EqualTo(1), setup.ToString());
        Assert.That(setup.Error, Does.Contain("btrfs"));
        Assert.That(Directory.GetFileSystemEntries(root), Is.Empty, "setup created nothing");

        Directory.CreateDirectory(backups);
        var backup = Cli("backup", "data1");
        Assert.That(backup.ExitCode, Is.EqualTo(1), backup.ToString());
        Assert.That(backup.Error, Does.Contain("not on a btrfs filesystem"));
        Assert.That(Directory.GetFileSystemEntries(backups), Is.Empty, "backup created nothing");
    }

    [Test]
    public void A_missing_backups_directory_makes_backup_fail_saying_to_run_setup_and_creates_nothing()
    {
        WriteFile(Path.Combine(Source, "a.txt"), "small");
        var mountPoint = Path.Combine(Loop.Root, "usb-disk");
        File.WriteAllText(ConfigPath, $"[data1]\nsource = {Source}\nbackups = {Path.Combine(mountPoint, "backups", "data1")}\n");

        var result = Cli("backup", "data1");

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Error, Does.Contain("not mounted").And.Contain("snapshotbackup setup data1"));
        Assert.That(Directory.Exists(mountPoint), Is.False);
    }
}
