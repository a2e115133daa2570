namespace SnapshotBackup.Core.Volume;

/// <summary>The backups directory is missing, not mounted or not on btrfs: nothing was written.</summary>
public sealed class VolumeUnavailableException : Exception
{
    public VolumeUnavailableException(string message) : base(message)
    {
    }

    public VolumeUnavailableException()
    {
    }

    public VolumeUnavailableException(string message, Exception inner) : base(message, inner)
    {
    }
}
