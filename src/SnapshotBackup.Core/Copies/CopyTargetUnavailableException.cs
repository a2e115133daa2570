namespace SnapshotBackup.Core.Copies;

/// <summary>
/// A copy target cannot be reached now (disk unplugged or not mounted, host down, ssh refused the connection): a quiet
/// skip under <c>silent_fail_threshold</c>, never an error every hour. Not for a reachable target that misbehaves.
/// </summary>
public sealed class CopyTargetUnavailableException : Exception
{
    public CopyTargetUnavailableException(string message) : base(message)
    {
    }

    public CopyTargetUnavailableException()
    {
    }

    public CopyTargetUnavailableException(string message, Exception inner) : base(message, inner)
    {
    }
}
