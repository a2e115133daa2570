namespace SnapshotBackup.Core.History;

/// <summary>An entry whose metadata, attributes, listing or contents could not be read (permission denied, I/O error).</summary>
public sealed class UnreadableEntryException : Exception
{
    public UnreadableEntryException(string path, string reason) : base($"{path}: {reason}")
    {
        Path = path;
        Reason = reason;
    }

    public UnreadableEntryException()
    {
        Path = string.Empty;
        Reason = string.Empty;
    }

    public UnreadableEntryException(string message, Exception inner) : base(message, inner)
    {
        Path = string.Empty;
        Reason = message;
    }

    /// <summary>The entry's path relative to its tree's top.</summary>
    public string Path { get; }

    public string Reason { get; }
}
