using System.Runtime.InteropServices;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Tests.Unit.Volume;

/// <summary>The volume lock against a child forked by another thread: the child's copy of the descriptor must not keep it.</summary>
public class VolumeLockTests
{
#pragma warning disable SYSLIB1054 // a plain import: the test project is not compiled unsafe
    [DllImport("libc", SetLastError = true)]
    private static extern int dup(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);
#pragma warning restore SYSLIB1054

    [Test]
    public void A_released_lock_is_free_even_while_a_forked_child_still_holds_a_copy_of_its_descriptor()
    {
        var directory = Directory.CreateTempSubdirectory("sb-lock-").FullName;
        try
        {
            var lockPath = Path.Combine(directory, VolumeLock.FileName);
            var first = VolumeLock.Acquire(directory, "b");
            Assert.That(() => VolumeLock.Acquire(directory, "b"), Throws.TypeOf<VolumeLockedException>(), "held");
            // What fork(2) gives a child between fork and exec: another descriptor on the same open file description
            // (found by the 200 parallel sequences of the journal test: "backup 'j' is locked by pid" of the test itself).
            var copy = dup(OwnDescriptorOf(lockPath));
            Assert.That(copy, Is.GreaterThanOrEqualTo(0));
            try
            {
                first.Dispose();
                using var second = VolumeLock.Acquire(directory, "b");
            }
            finally
            {
                Assert.That(close(copy), Is.Zero);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static int OwnDescriptorOf(string path)
    {
        foreach (var link in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(link).LinkTarget == path)
                {
                    return int.Parse(Path.GetFileName(link), System.Globalization.CultureInfo.InvariantCulture);
                }
            }
            catch (IOException)
            {
            }
        }
        throw new InvalidOperationException($"no descriptor of {path} is open");
    }
}
