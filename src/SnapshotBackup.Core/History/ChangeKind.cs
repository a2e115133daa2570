namespace SnapshotBackup.Core.History;

public enum ChangeKind
{
    Added,
    Deleted,
    Modified,
}
