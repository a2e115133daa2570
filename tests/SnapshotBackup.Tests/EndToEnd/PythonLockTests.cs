using SnapshotBackup.Core;
using SnapshotBackup.Core.Volume;
using SnapshotBackup.Tests.Fixtures;
using SnapshotBackup.Tests.Reliability;

namespace SnapshotBackup.Tests.EndToEnd;

/// <summary>
/// Both tools installed while people migrate: never two rsyncs into one .sync, whichever tool started them. The
/// original is played by a stand-in that behaves as snapshotbackup 0.0.16's lock does (refuses while
/// <c>&lt;backups&gt;/.sync_lock</c> exists, creates it empty, runs rsync into .sync, removes it).
/// </summary>
public class PythonLockTests : ReliabilityTest
{
    private const string StandIn = """
        import os, subprocess, sys
        # snapshotbackup backup BACKUPS SOURCE BWLIMIT: the original's Lock around its rsync.
        backups, source, bwlimit = sys.argv[2], sys.argv[3], sys.argv[4]
        lock = os.path.join(backups, '.sync_lock')
        if os.path.exists(lock):
            sys.exit(f'LockError: cannot lock, `{lock}` already exists')
        open(lock, 'w').close()
        try:
            subprocess.run(['rsync', '-a', '--delete', '--bwlimit=' + bwlimit, source + '/', os.path.join(backups, '.sync')], check=True)
        finally:
            os.remove(lock)
        """;

    private string LockPath => Path.Combine(Backups, LegacySyncLock.FileName);

    private string WriteStandIn()
    {
        // Named as the original's entry point, run by python3, as pip installs it.
        var dir = Path.Combine(Loop.Root, "python-bin");
        Directory.CreateDirectory(dir);
        var script = Path.Combine(dir, "snapshotbackup");
        File.WriteAllText(script, StandIn);
        return script;
    }

    private System.Diagnostics.Process StartStandIn(string bwlimitKbps) =>
        StartInGroup(null, "python3", [WriteStandIn(), "backup", Backups, Source, bwlimitKbps]);

    [Test]
    public void A_running_python_backup_locks_us_out_with_exit_75_naming_its_pid_and_we_write_nothing()
    {
        var before = BackUpFilledSource(20);
        // 4 MB at 100 KB/s: the stand-in's rsync runs for about 40 s unless killed.
        Shell.Check("dd", "if=/dev/urandom", "of=" + Path.Combine(Source, "slow.bin"), "bs=1M", "count=4", "status=none");
        var python = StartStandIn("100");
        ProcessScan.AwaitRsync(Path.Combine(Backups, ".sync"), python, TimeSpan.FromSeconds(30), () => python.StandardError.ReadToEnd());
        Assert.That(File.Exists(LockPath), Is.True, "the stand-in holds .sync_lock");

        var result = Cli("backup", "data1");

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Locked), result.ToString());
        Assert.That(result.Error, Does.Contain($"locked by the Python snapshotbackup (pid {python.Id}:").And.Contains("wait for it to finish"), result.ToString());
        Assert.That(SnapshotNames(), Is.EqualTo(before.Keys), "no snapshot");
        Assert.That(File.Exists(LockPath), Is.True, "its lock is left alone");

        // Once it is gone (killed: its lock stays behind, as it would), our backup takes the stale lock over.
        LibCKillGroup(python);
        Assert.That(File.Exists(LockPath), Is.True);
        var created = CliOk("backup", "data1");
        Assert.That(created.Error, Does.Contain("was left by a run that is no longer running; taking it over"), created.ToString());
        Assert.That(File.Exists(LockPath), Is.False, "removed when our backup ended");
        Assert.That(SnapshotNames(), Has.Count.EqualTo(before.Count + 1));
        Assert.That(HashTree(Path.Combine(Backups, SnapshotNames()[^1])), Is.EqualTo(HashTree(Source)), "a whole copy, whatever the stand-in had written");
    }

    [Test]
    public void While_our_backup_runs_the_python_tool_sees_the_volume_locked_and_the_lock_goes_when_ours_ends()
    {
        BackUpFilledSource(20);
        var ours = StartBackupBusyInRsync("40G");
        Assert.That(File.ReadAllText(LockPath), Does.Contain($"pid {ours.Pid}"), "the file says who holds it");

        var python = StartStandIn("100");
        Assert.That(python.WaitForExit(30_000), Is.True);

        Assert.That(python.ExitCode, Is.EqualTo(1));
        Assert.That(python.StandardError.ReadToEnd(), Does.Contain("cannot lock"));
        Assert.That(ProcessScan.Rsync(Path.Combine(Backups, ".sync")).Where(pid => !DescendsFrom(pid, ours.Pid)), Is.Empty,
            "only our rsync writes into .sync");

        ours.Signal(2); // SIGINT
        var stopped = ours.Wait(TimeSpan.FromSeconds(60));
        Assert.That(stopped.ExitCode, Is.EqualTo(ExitCodes.Failed), stopped.ToString());
        Assert.That(File.Exists(LockPath), Is.False, "an interrupted backup removes its .sync_lock");
    }

    [Test]
    public void A_stale_sync_lock_does_not_block_a_dry_run_and_a_dry_run_does_not_create_one()
    {
        BackUpFilledSource(5);
        Assert.That(File.Exists(LockPath), Is.False);

        CliOk("backup", "data1", "--dry-run");

        Assert.That(File.Exists(LockPath), Is.False);
    }

    [Test]
    public void A_python_process_that_started_after_the_lock_was_written_does_not_hold_it()
    {
        BackUpFilledSource(5);
        File.WriteAllText(LockPath, string.Empty);
        File.SetLastWriteTimeUtc(LockPath, DateTime.UtcNow.AddMinutes(-10));
        // A Python snapshotbackup that is running now, but started long after the file was left.
        // (python3 may be a shim that starts the interpreter a moment later: wait until the interpreter runs.)
        StartInGroup(null, "python3", ["-c", "import time; time.sleep(60)", "snapshotbackup"]);
        Assert.That(Poll.Until(() => LegacySyncLock.FindHolder(Backups, DateTime.UtcNow) is not null, TimeSpan.FromSeconds(20)), Is.True,
            "a lock written after it started may be its own");
        Assert.That(LegacySyncLock.FindHolder(Backups, DateTime.UtcNow)!.CommandLine, Does.Contain("time.sleep(60)"));

        Assert.That(LegacySyncLock.FindHolder(Backups, File.GetLastWriteTimeUtc(LockPath)), Is.Null);
    }

    private static bool DescendsFrom(int pid, int ancestor)
    {
        for (var current = pid; current > 1;)
        {
            if (current == ancestor)
            {
                return true;
            }
            try
            {
                var stat = File.ReadAllText($"/proc/{current}/stat");
                current = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                return false;
            }
        }
        return false;
    }

    private static void LibCKillGroup(System.Diagnostics.Process process)
    {
        Core.Internal.LibC.Kill(-process.Id, Core.Internal.LibC.SIGKILL);
        Assert.That(process.WaitForExit(30_000), Is.True);
    }
}
