namespace SnapshotBackup.Core.Btrfs;

/// <summary>One open directory of <see cref="SudoBtrfs"/>: inspections through the kernel, deletions with the sudo fallback.</summary>
internal sealed class SudoBtrfsDirectory(SudoBtrfs owner, IBtrfsDirectory kernel, string path) : IBtrfsDirectory
{
    public SubvolumeKind Inspect(string name) => kernel.Inspect(name);

    public void DeleteSubvolume(string name) => owner.Delete(path, name, () => kernel.DeleteSubvolume(name));

    public Copies.SubvolumeIdentity? Identify(string name) => kernel.Identify(name);

    public void Dispose() => kernel.Dispose();
}
