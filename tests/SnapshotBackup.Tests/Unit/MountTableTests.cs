using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Tests.Unit;

public class MountTableTests
{
    private string _dir = null!;

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("sbmounts-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_dir, recursive: true);

    private string? Check(string path, string fstab, params string[] mounted)
    {
        File.WriteAllText(Path.Combine(_dir, "fstab"), fstab);
        File.WriteAllLines(Path.Combine(_dir, "mountinfo"), mounted.Select((m, i) => $"{20 + i} 1 0:{i} / {m} rw,relatime shared:1 - btrfs /dev/x rw"));
        return new MountTable(Path.Combine(_dir, "fstab"), Path.Combine(_dir, "mountinfo")).UnmountedMountPoint(path);
    }

    private const string Fstab = """
        # <file system> <mount point> <type> <options> <dump> <pass>
        UUID=1 /            btrfs defaults 0 0
        UUID=2 /mnt/usb     btrfs nofail,noauto 0 0
        UUID=3 /media/my\040disk btrfs nofail 0 0
        /swapfile none swap sw 0 0
        """;

    [Test]
    public void A_backups_directory_on_an_unmounted_fstab_disk_is_named() =>
        Assert.That(Check("/mnt/usb/backups/data1", Fstab, "/"), Is.EqualTo("/mnt/usb"));

    [Test]
    public void The_mount_point_itself_counts_too() =>
        Assert.That(Check("/mnt/usb", Fstab, "/"), Is.EqualTo("/mnt/usb"));

    [Test]
    public void A_mounted_disk_is_fine() =>
        Assert.That(Check("/mnt/usb/backups", Fstab, "/", "/mnt/usb"), Is.Null);

    [Test]
    public void Escaped_spaces_in_mount_points_are_understood()
    {
        Assert.That(Check("/media/my disk/b", Fstab, "/"), Is.EqualTo("/media/my disk"));
        Assert.That(Check("/media/my disk/b", Fstab, "/", @"/media/my\040disk"), Is.Null);
    }

    [Test]
    public void Paths_not_under_an_fstab_mount_point_and_the_root_are_fine()
    {
        Assert.That(Check("/srv/backups", Fstab, "/"), Is.Null);
        Assert.That(Check("/mnt/usbstick/b", Fstab, "/"), Is.Null, "a prefix of the name is not a parent");
    }

    [Test]
    public void A_deeper_mount_that_fstab_does_not_know_still_holds_the_path() =>
        Assert.That(Check("/mnt/usb/loop/b", Fstab, "/", "/mnt/usb/loop"), Is.Null);

    [Test]
    public void Unreadable_tables_change_nothing() =>
        Assert.That(new MountTable(Path.Combine(_dir, "none"), Path.Combine(_dir, "none2")).UnmountedMountPoint("/mnt/usb"), Is.Null);

    [Test]
    public void The_mount_holding_a_path_is_the_deepest_with_its_per_mount_and_superblock_options()
    {
        var mountInfo = Path.Combine(_dir, "mountinfo");
        File.WriteAllLines(mountInfo,
        [
            "22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/sda1 rw",
            "30 22 0:40 / /mnt rw,relatime shared:5 - btrfs /dev/loop0 rw,space_cache=v2,user_subvol_rm_allowed,subvolid=5,subvol=/",
            @"31 22 0:41 / /mnt/my\040disk rw,noatime - btrfs /dev/loop1 rw,subvolid=5,subvol=/",
        ]);
        var table = new MountTable(Path.Combine(_dir, "fstab"), mountInfo);

        var mnt = table.MountOf("/mnt/backups/data1")!;
        Assert.That(mnt.MountPoint, Is.EqualTo("/mnt"));
        Assert.That(mnt.FileSystemType, Is.EqualTo("btrfs"));
        Assert.That(mnt.HasOption("user_subvol_rm_allowed"), Is.True, "a superblock option");
        Assert.That(mnt.HasOption("relatime"), Is.True, "a per-mount option");

        var disk = table.MountOf("/mnt/my disk/backups")!;
        Assert.That(disk.MountPoint, Is.EqualTo("/mnt/my disk"));
        Assert.That(disk.HasOption("user_subvol_rm_allowed"), Is.False);
        Assert.That(table.MountOf("/srv/backups")!.MountPoint, Is.EqualTo("/"));
        Assert.That(table.MountOf("/mntx")!.MountPoint, Is.EqualTo("/"), "a prefix of the name is not a parent");
    }
}
