namespace SnapshotBackup.Daemon.Mounts;

/// <summary>
/// One look at a section's volumes after a mount table change: whether its backups directory is usable (the engine's
/// availability check) and the mount points that hold it and its local source (null for a remote source).
/// </summary>
internal sealed record VolumeLook(string Backups, string? Source, bool Available, string? BackupsMount, string? SourceMount);
