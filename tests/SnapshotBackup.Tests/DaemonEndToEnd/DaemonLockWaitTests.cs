using System.Diagnostics;
using SnapshotBackup.Core.Volume;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.DaemonEndToEnd;

public class DaemonLockWaitTests : DaemonTest
{
    [Test]
    public void A_run_that_finds_the_volume_locked_by_a_manual_backup_waits_for_it_and_then_backs_up()
    {
        var lockFile = Path.Combine(Backups, VolumeLock.FileName);
        File.WriteAllText(lockFile, string.Empty);
        // flock(1) stands in for a manual `snapshotbackup backup` holding the volume lock for a few seconds.
        using var holder = Process.Start(new ProcessStartInfo("flock", ["-x", lockFile, "sleep", "6"]) { UseShellExecute = false })!;
        try
        {
            Assert.That(Poll.Until(() => Shell.Run("flock", "-n", lockFile, "true").ExitCode != 0, TimeSpan.FromSeconds(5)), Is.True, "flock never took the lock");
            WriteConfig(Section("data1", Source, Backups, "0 0 0 1 1 ? 2099")); // only the catch-up at start runs
            using var daemon = StartDaemon();
            daemon.WaitForNotify(n => n == "READY=1", ReadyWait);

            var waiting = daemon.WaitForLog(l => l.Contains("is locked by", StringComparison.Ordinal) && l.Contains("waiting up to", StringComparison.Ordinal), LongWait);
            Assert.That(daemon.Lines[waiting], Does.Contain("data1"), daemon.Describe());
            Assert.That(holder.HasExited, Is.False, "the daemon logged the wait while the lock was held");
            Assert.That(Snapshots(Backups), Is.Empty, "nothing happens while the manual backup holds the volume");

            Assert.That(Poll.Until(() => SectionOf("data1") is { LastOutcome: "ok" }, LongWait), Is.True, daemon.Describe());
            Assert.That(holder.HasExited, Is.True, "the run went on only after the lock was released");
            Assert.That(Snapshots(Backups), Has.Count.EqualTo(1));
            Assert.That(daemon.Lines, Has.None.Contains(" ERR "), daemon.Describe());
        }
        finally
        {
            if (!holder.HasExited)
            {
                holder.Kill(entireProcessTree: true);
            }
        }
    }
}
