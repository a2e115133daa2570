namespace SnapshotBackup.Core.FileSystem;

/// <summary>Which file a path names (stat's device and inode): a directory renamed away or unmounted gets another.</summary>
public readonly record struct FileIdentity(ulong Device, ulong Inode);
