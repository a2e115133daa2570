namespace SnapshotBackup.Core.Volume;

/// <summary>Another process holds the volume lock (exit code 75).</summary>
public sealed class VolumeLockedException : Exception
{
    public VolumeLockedException(string name, int? pid)
        : base($"backup '{name}' is locked by {(pid is { } p ? $"pid {p}" : "another process")}") => Pid = pid;

    public VolumeLockedException()
    {
    }

    public VolumeLockedException(string message) : base(message)
    {
    }

    public VolumeLockedException(string message, Exception inner) : base(message, inner)
    {
    }

    public int? Pid { get; }
}
