namespace SnapshotBackup.Core.Engine;

/// <summary>The source cannot be read now (missing directory, host down, empty while backups are not): nothing was written.</summary>
public sealed class SourceUnavailableException : Exception
{
    public SourceUnavailableException(string message) : base(message)
    {
    }

    public SourceUnavailableException()
    {
    }

    public SourceUnavailableException(string message, Exception inner) : base(message, inner)
    {
    }
}
