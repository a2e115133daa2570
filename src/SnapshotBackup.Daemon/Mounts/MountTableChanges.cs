using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Internal;

namespace SnapshotBackup.Daemon.Mounts;

/// <summary>
/// Tells when the mount table changes: <c>/proc/self/mountinfo</c> kept open and waited on with poll(2), which the
/// kernel wakes with POLLPRI|POLLERR after each mount or unmount in this mount namespace (and resets by that poll).
/// When poll cannot be used, the file is re-read every 2 s and compared instead. No busy loop either way.
/// </summary>
internal sealed class MountTableChanges : IDisposable
{
    /// <summary>How often the fallback re-reads the table.</summary>
    public static readonly TimeSpan FallbackPeriod = TimeSpan.FromSeconds(2);

    private readonly string _path;
    private readonly ILogger _logger;
    private int _fd;
    private string? _lastText;

    public MountTableChanges(string path, ILogger logger)
    {
        _path = path;
        _logger = logger;
        _fd = LibC.Open(path, LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
        if (_fd < 0)
        {
            Fallback($"open failed (errno {Marshal.GetLastPInvokeError()})");
        }
    }

    /// <summary>True while poll(2) is used; false once it fell back to re-reading.</summary>
    public bool Polling => _fd >= 0;

    /// <summary>
    /// Waits up to <paramref name="timeout"/> (with poll) or <see cref="FallbackPeriod"/> (re-reading) for a change;
    /// true when the table changed. Blocks the calling thread: call from a thread of its own.
    /// </summary>
    public unsafe bool Wait(TimeSpan timeout)
    {
        if (_fd >= 0)
        {
            var pollFd = new LibC.PollFd { Fd = _fd, Events = LibC.POLLPRI };
            var n = LibC.Poll(&pollFd, 1, (int)timeout.TotalMilliseconds);
            if (n > 0 && (pollFd.Returned & LibC.POLLNVAL) == 0)
            {
                return (pollFd.Returned & (LibC.POLLPRI | LibC.POLLERR)) != 0;
            }
            if (n == 0 || (n < 0 && Marshal.GetLastPInvokeError() == LibC.EINTR))
            {
                return false;
            }
            Fallback(n < 0 ? $"poll failed (errno {Marshal.GetLastPInvokeError()})" : "poll reported an invalid descriptor");
        }
        Thread.Sleep(FallbackPeriod);
        var text = Read();
        var changed = text != _lastText;
        _lastText = text;
        return changed;
    }

    public void Dispose()
    {
        if (_fd >= 0)
        {
            _ = LibC.Close(_fd);
            _fd = -1;
        }
    }

    private void Fallback(string why)
    {
        _logger.LogWarning("watching the mount table of {Path}: {Why}; re-reading it every {Seconds} s instead", _path, why, FallbackPeriod.TotalSeconds);
        Dispose();
        _lastText = Read();
    }

    private string? Read()
    {
        try
        {
            return File.ReadAllText(_path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
