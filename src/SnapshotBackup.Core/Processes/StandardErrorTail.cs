namespace SnapshotBackup.Core.Processes;

/// <summary>The last lines a child wrote to standard error (for error messages), safe to add to from a pump thread.</summary>
internal sealed class StandardErrorTail(int lines)
{
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
