namespace SnapshotBackup.Core.Btrfs;

/// <summary>
/// A normal user could not delete a subvolume, neither through the kernel nor through sudo. The message says what
/// failed and how to allow it (the mount option, the sudoers lines); every further deletion would fail the same way.
/// </summary>
public sealed class SubvolumeDeletionDeniedException : Exception
{
    public SubvolumeDeletionDeniedException(string message, string path) : base(message) => Path = path;

    public SubvolumeDeletionDeniedException()
    {
    }

    public SubvolumeDeletionDeniedException(string message) : base(message)
    {
    }

    public SubvolumeDeletionDeniedException(string message, Exception inner) : base(message, inner)
    {
    }

    /// <summary>The subvolume that was not deleted.</summary>
    public string Path { get; } = string.Empty;
}
