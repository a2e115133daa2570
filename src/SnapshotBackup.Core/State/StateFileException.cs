namespace SnapshotBackup.Core.State;

/// <summary>The daemon's state file exists but cannot be read, or does not hold a valid state (exit code 65).</summary>
public sealed class StateFileException : Exception
{
    public StateFileException()
    {
    }

    public StateFileException(string message)
        : base(message)
    {
    }

    public StateFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
