using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using SnapshotBackup.Daemon.Mounts;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.DaemonEndToEnd;

/// <summary>poll(2) on this process's <c>/proc/self/mountinfo</c> wakes at a real mount and unmount (root: tmpfs).</summary>
[Category("Daemon")]
[NonParallelizable]
public class MountTableChangesPollTests
{
    [Test]
    public void Poll_wakes_at_a_mount_and_at_an_unmount()
    {
        var dir = Directory.CreateTempSubdirectory("sbpoll-").FullName;
        try
        {
            using var changes = new MountTableChanges("/proc/self/mountinfo", NullLogger.Instance);
            Assert.That(changes.Polling, Is.True);
            // Other processes' mounts may wake it too: drain those first (each wait resets the kernel's event).
            while (changes.Wait(TimeSpan.FromMilliseconds(200)))
            {
            }

            foreach (var command in new[] { new[] { "mount", "-t", "tmpfs", "none", dir }, ["umount", dir] })
            {
                Shell.Check(command[0], command[1..]);
                var clock = Stopwatch.StartNew();
                Assert.That(changes.Wait(TimeSpan.FromSeconds(5)), Is.True, string.Join(' ', command));
                Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromMilliseconds(100)), "the change was pending: poll returns at once");
            }
        }
        finally
        {
            if (File.ReadAllText("/proc/mounts").Contains(" " + dir + " ", StringComparison.Ordinal))
            {
                Shell.Run("umount", dir);
            }
            Directory.Delete(dir, recursive: true);
        }
    }
}
