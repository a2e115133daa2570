using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using SnapshotBackup.Core.Internal;

namespace SnapshotBackup.Core.Volume;

/// <summary>
/// An exclusive flock(2) on <c>&lt;backups&gt;/.snapshotbackup.lock</c>. The kernel drops it when the holder dies, so a
/// killed process never leaves a stale lock. The file holds the holder's pid for the "locked by pid N" message; it is
/// never deleted while in use (deleting lock files races), only by destroy.
/// </summary>
public sealed class VolumeLock : IDisposable
{
    public const string FileName = ".snapshotbackup.lock";

    private int _fd;

    private VolumeLock(int fd) => _fd = fd;

    /// <summary>Takes the lock at once or throws <see cref="VolumeLockedException"/>.</summary>
    public static VolumeLock Acquire(string directory, string backupName)
    {
        var path = Path.Combine(directory, FileName);
        var fd = LibC.Open(path, LibC.O_RDWR | LibC.O_CREAT | LibC.O_CLOEXEC | LibC.O_NOFOLLOW, Convert.ToInt32("644", 8));
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new IOException($"cannot open lock file {path}: {LibC.ErrorText(errno)}");
        }
        if (LibC.Flock(fd, LibC.LOCK_EX | LibC.LOCK_NB) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            LibC.Close(fd);
            if (errno == LibC.EWOULDBLOCK)
            {
                throw new VolumeLockedException(backupName, ReadPid(path));
            }
            throw new IOException($"cannot lock {path}: {LibC.ErrorText(errno)}");
        }
        WritePid(path);
        return new VolumeLock(fd);
    }

    /// <summary>Waits for the lock up to <paramref name="timeout"/>, polling; for scheduled runs that meet a manual one.</summary>
    public static async Task<VolumeLock> AcquireAsync(string directory, string backupName, TimeSpan timeout, Action<VolumeLockedException>? onWait, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        var told = false;
        while (true)
        {
            try
            {
                return Acquire(directory, backupName);
            }
            catch (VolumeLockedException e) when (DateTime.UtcNow < deadline)
            {
                if (!told)
                {
                    onWait?.Invoke(e);
                    told = true;
                }
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static int? ReadPid(string path)
    {
        try
        {
            var text = File.ReadAllText(path).Trim();
            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static void WritePid(string path)
    {
        // Through a second descriptor: flock belongs to _fd, and truncating here does not release it.
        File.WriteAllText(path, LibC.GetPid().ToString(CultureInfo.InvariantCulture) + "\n", Encoding.ASCII);
    }

    public void Dispose()
    {
        var fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
        {
            LibC.Close(fd);
        }
    }
}
