namespace SnapshotBackup.Core.Btrfs;

/// <summary>One batch of deletions (a prune, a decay, a destroy) of <see cref="SudoBtrfs"/>: it says once why sudo is used.</summary>
internal sealed class SudoBtrfsDirectory(SudoBtrfs owner, IBtrfsDirectory kernel, string path) : IBtrfsDirectory
{
    private bool _announced;

    public SubvolumeKind Inspect(string name) => kernel.Inspect(name);

    public void DeleteSubvolume(string name) => owner.Delete(path, name, () => kernel.DeleteSubvolume(name), ref _announced);

    public void Dispose() => kernel.Dispose();
}
