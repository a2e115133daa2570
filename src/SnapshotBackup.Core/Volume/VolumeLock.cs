using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using SnapshotBackup.Core.Internal;

namespace SnapshotBackup.Core.Volume;

/// <summary>
/// An exclusive flock(2) on <c>&lt;backups&gt;/.snapshotbackup.lock</c>. The kernel drops it when the holder dies, so a
/// killed process never leaves a stale lock. Released with LOCK_UN before the close: a child forked by another thread
/// holds a copy of the descriptor until its exec, and a close alone would leave the lock held that long. The file holds the holder's pid for the "locked by pid N" message; it is
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
                throw new VolumeLockedException(backupName, HolderPid(path));
            }
            throw new IOException($"cannot lock {path}: {LibC.ErrorText(errno)}");
        }
        WritePid(fd);
        return new VolumeLock(fd);
    }

    /// <summary>Waits for the lock up to <paramref name="timeout"/>, polling; for scheduled runs that meet a manual one.</summary>
    public static async Task<VolumeLock> AcquireAsync(
        string directory, string backupName, TimeSpan timeout, TimeProvider time, Action<VolumeLockedException>? onWait, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + timeout;
        var told = false;
        while (true)
        {
            try
            {
                return Acquire(directory, backupName);
            }
            catch (VolumeLockedException e) when (time.GetUtcNow() < deadline)
            {
                if (!told)
                {
                    onWait?.Invoke(e);
                    told = true;
                }
                await Task.Delay(TimeSpan.FromMilliseconds(500), time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The holder's pid from the file. The holder writes it just after taking the lock, so a file found empty is read
    /// again for a moment (otherwise a run that starts at the same time would say "another process").
    /// </summary>
    private static int? HolderPid(string path)
    {
        for (var attempt = 0; ; attempt++)
        {
            var holder = LibC.Open(path, LibC.O_RDONLY | LibC.O_CLOEXEC | LibC.O_NOFOLLOW, 0);
            var pid = holder >= 0 ? ReadPid(holder) : null;
            LibC.Close(holder);
            if (pid is not null || attempt == 10)
            {
                return pid;
            }
            Thread.Sleep(10);
        }
    }

    // Raw reads and writes: .NET's FileStream takes its own flock, which would collide with the lock itself.
    private static unsafe int? ReadPid(int fd)
    {
        var buffer = stackalloc byte[32];
        var read = LibC.PRead(fd, buffer, 32, 0);
        if (read <= 0)
        {
            return null;
        }
        var text = Encoding.ASCII.GetString(buffer, (int)read).Trim();
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
    }

    private static unsafe void WritePid(int fd)
    {
        var bytes = Encoding.ASCII.GetBytes(LibC.GetPid().ToString(CultureInfo.InvariantCulture) + "\n");
        LibC.FTruncate(fd, 0);
        fixed (byte* p = bytes)
        {
            LibC.PWrite(fd, p, (nuint)bytes.Length, 0);
        }
    }

    public void Dispose()
    {
        var fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
        {
            LibC.ReleaseFlock(fd);
            LibC.Close(fd);
        }
    }
}
