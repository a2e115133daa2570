namespace SnapshotBackup.Core.Btrfs;

/// <summary>A btrfs operation failed; the message names the operation, the path and the kernel's reason.</summary>
public sealed class BtrfsException : Exception
{
    public BtrfsException(string message, int errno = 0) : base(message) => Errno = errno;

    public BtrfsException()
    {
    }

    public BtrfsException(string message, Exception inner) : base(message, inner)
    {
    }

    /// <summary>The errno of the failed call, 0 when not from a system call.</summary>
    public int Errno { get; }
}
