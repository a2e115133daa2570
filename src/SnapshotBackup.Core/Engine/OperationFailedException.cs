namespace SnapshotBackup.Core.Engine;

/// <summary>An operation could not be done; the message says what failed and what to do (exit code 1).</summary>
public sealed class OperationFailedException : Exception
{
    public OperationFailedException(string message) : base(message)
    {
    }

    public OperationFailedException()
    {
    }

    public OperationFailedException(string message, Exception inner) : base(message, inner)
    {
    }
}
