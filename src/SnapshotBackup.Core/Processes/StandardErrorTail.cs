namespace SnapshotBackup.Core.Processes;

/// <summary>The last lines a child wrote to standard error (for error messages), safe to add to from a pump thread.</summary>
internal sealed class StandardErrorTail(int lines)
{
    /// <summary>The lines a child's tail keeps (rsync, btrfs and the other programs we run).</summary>
    public const int DefaultLines = 20;

    private readonly Queue<string> _lines = new();

    public void Add(string line)
    {
        lock (_lines)
        {
            _lines.Enqueue(line);
            if (_lines.Count > lines)
            {
                _lines.Dequeue();
            }
        }
    }

    public string Text
    {
        get
        {
            lock (_lines)
            {
                return string.Join('\n', _lines);
            }
        }
    }
}
