using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace SnapshotBackup.Daemon.Power;

/// <summary>
/// A logind inhibitor lock: the file descriptor returned by <c>Inhibit</c>. logind keeps the lock
/// while the descriptor is open; disposing closes it, which releases the lock.
/// </summary>
internal sealed class InhibitorLock : IAsyncDisposable
{
    private readonly SafeFileHandle _fd;
    private readonly ILogger _logger;
    private readonly string _why;

    public InhibitorLock(SafeFileHandle fd, ILogger logger, string why)
    {
        _fd = fd;
        _logger = logger;
        _why = why;
    }

    public bool IsReleased => _fd.IsClosed;

    public ValueTask DisposeAsync()
    {
        if (!_fd.IsClosed)
        {
            _fd.Dispose();
            _logger.LogDebug("Released sleep inhibitor lock ({Why})", _why);
        }
        return ValueTask.CompletedTask;
    }
}
