namespace SnapshotBackup.Core;

/// <summary>A bad command line: one clear message, exit code 2, nothing changed.</summary>
public sealed class UsageException : Exception
{
    public UsageException(string message) : base(MessageText.Abbreviate(message))
    {
    }

    public UsageException()
    {
    }

    public UsageException(string message, Exception inner) : base(MessageText.Abbreviate(message), inner)
    {
    }
}
