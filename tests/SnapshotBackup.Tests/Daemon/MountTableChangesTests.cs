using Microsoft.Extensions.Logging.Abstractions;
using SnapshotBackup.Daemon.Mounts;

namespace SnapshotBackup.Tests.Daemon;

/// <summary>The mount table's change notification: the fallback when the table cannot be polled (no root needed).</summary>
public class MountTableChangesTests
{
    [Test]
    public void A_table_that_cannot_be_opened_is_re_read_and_compared_instead()
    {
        var dir = Directory.CreateTempSubdirectory("sbmountinfo-").FullName;
        try
        {
            var path = Path.Combine(dir, "mountinfo");
            using var changes = new MountTableChanges(path, NullLogger.Instance);
            Assert.That(changes.Polling, Is.False);

            Assert.That(changes.Wait(TimeSpan.FromSeconds(1)), Is.False, "nothing changed");
            File.WriteAllText(path, "36 35 98:0 / /mnt rw - btrfs /dev/loop0 rw\n");
            Assert.That(changes.Wait(TimeSpan.FromSeconds(1)), Is.True, "the file appeared");
            Assert.That(changes.Wait(TimeSpan.FromSeconds(1)), Is.False, "the same again");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
