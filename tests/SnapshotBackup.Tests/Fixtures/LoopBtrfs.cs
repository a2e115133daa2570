namespace SnapshotBackup.Tests.Fixtures;

/// <summary>
/// A btrfs filesystem on a loopback image in a temp directory, mounted for one test (or fixture) and always unmounted
/// and removed afterwards. Needs root, mkfs.btrfs and a kernel with btrfs.
/// </summary>
public sealed class LoopBtrfs : IDisposable
{
    private LoopBtrfs(string root)
    {
        Root = root;
        Mount = Path.Combine(root, "mnt");
    }

    /// <summary>The temp directory holding the image and the mount point.</summary>
    public string Root { get; }

    /// <summary>Where the btrfs filesystem is mounted.</summary>
    public string Mount { get; }

    public string Image => Path.Combine(Root, "btrfs.img");

    public static LoopBtrfs Create(string size = "1G")
    {
        var root = Directory.CreateTempSubdirectory("sbtest-").FullName;
        var loop = new LoopBtrfs(root);
        try
        {
            Directory.CreateDirectory(loop.Mount);
            Shell.Check("truncate", "-s", size, loop.Image);
            Shell.Check("mkfs.btrfs", "-q", loop.Image);
            Shell.Check("mount", "-o", "loop", loop.Image, loop.Mount);
        }
        catch
        {
            loop.Dispose();
            throw;
        }
        return loop;
    }

    public void Dispose()
    {
        if (File.ReadAllText("/proc/mounts").Contains(" " + Mount + " ", StringComparison.Ordinal))
        {
            for (var attempt = 0; attempt < 10; attempt++)
            {
                if (Shell.Run("umount", Mount).ExitCode == 0)
                {
                    break;
                }
                Thread.Sleep(300);
                if (attempt == 9)
                {
                    Shell.Run("umount", "-l", Mount);
                }
            }
        }
        // mount -o loop sets autoclear: the loop device is released with the unmount. Detach any left over anyway.
        foreach (var line in Shell.Run("losetup", "-j", Image).Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Shell.Run("losetup", "-d", line.Split(':')[0]);
        }
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
