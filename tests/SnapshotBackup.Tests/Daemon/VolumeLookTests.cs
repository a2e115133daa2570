using SnapshotBackup.Core.Volume;
using SnapshotBackup.Daemon.Mounts;

namespace SnapshotBackup.Tests.Daemon;

/// <summary>
/// One look at a section's volumes from a fake mount table: an idle systemd automount point (autofs, nothing on it) is
/// not touched and not available; the real file system mounted over it is, and is an appearance.
/// </summary>
public class VolumeLookTests
{
    private const string Root = "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw";
    private const string Autofs = "40 22 0:35 / /media/usb rw,relatime shared:20 - autofs systemd-1 rw,fd=50,pgrp=1,timeout=60,minproto=5,maxproto=5,direct";
    private const string RealOverAutofs = "90 40 0:52 / /media/usb rw,relatime shared:45 - btrfs /dev/sdb1 rw,space_cache=v2,subvolid=5,subvol=/";
    private const string SourceAutofs = "41 22 0:36 / /srv/data rw,relatime shared:21 - autofs systemd-1 rw,fd=51,direct";
    private const string SourceReal = "91 41 0:53 / /srv/data rw,relatime shared:46 - ext4 /dev/sdc1 rw";

    private string _dir = null!;

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("volumelook-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_dir, recursive: true);

    private MountTable Table(params string[] lines)
    {
        var path = Path.Combine(_dir, "mountinfo");
        File.WriteAllLines(path, lines);
        return new MountTable(fstab: Path.Combine(_dir, "fstab"), mountInfo: path);
    }

    [Test]
    public void An_idle_automount_point_is_not_available_and_not_touched()
    {
        var touched = 0;

        var look = VolumeLook.Take("/media/usb/backups", "/home", Table(Root, Autofs), () => touched++);

        Assert.That(touched, Is.Zero, "reading the path would make autofs mount the disk");
        Assert.That(look.Available, Is.False);
        Assert.That(look.BackupsMount, Is.EqualTo("/media/usb"));
    }

    [Test]
    public void The_disk_mounted_over_its_automount_point_is_checked_and_appears()
    {
        var touched = 0;
        var presence = new VolumePresence();
        presence.Update(new Dictionary<string, VolumeLook> { ["usb"] = VolumeLook.Take("/media/usb/backups", "/home", Table(Root, Autofs), () => touched++) });

        var look = VolumeLook.Take("/media/usb/backups", "/home", Table(Root, Autofs, RealOverAutofs), () => touched++);
        var changes = presence.Update(new Dictionary<string, VolumeLook> { ["usb"] = look });

        Assert.That(touched, Is.EqualTo(1));
        Assert.That(look.Available, Is.True);
        Assert.That(changes.Appeared, Is.EqualTo(new[] { ("usb", "/media/usb") }));
    }

    [Test]
    public void An_unrelated_mount_while_the_automount_point_is_idle_touches_nothing()
    {
        var touched = 0;
        var presence = new VolumePresence();
        presence.Update(new Dictionary<string, VolumeLook> { ["usb"] = VolumeLook.Take("/media/usb/backups", "/home", Table(Root, Autofs), () => touched++) });

        var other = "95 22 0:60 / /mnt/other rw - ext4 /dev/sdd1 rw";
        var changes = presence.Update(new Dictionary<string, VolumeLook> { ["usb"] = VolumeLook.Take("/media/usb/backups", "/home", Table(Root, Autofs, other), () => touched++) });

        Assert.That(touched, Is.Zero);
        Assert.That(changes.Appeared, Is.Empty);
        Assert.That(changes.Pending, Is.False);
    }

    [Test]
    public void A_plain_directory_is_checked_by_the_engine()
    {
        var available = VolumeLook.Take("/backups", null, Table(Root), () => { });
        var missing = VolumeLook.Take("/backups", null, Table(Root), () => throw new VolumeUnavailableException("/backups: not mounted"));

        Assert.That(available.Available, Is.True);
        Assert.That(available.SourceMount, Is.Null);
        Assert.That(missing.Available, Is.False);
    }

    [Test]
    public void A_source_on_an_automount_point_is_idle_until_its_disk_is_mounted()
    {
        var idle = VolumeLook.Take("/backups", "/srv/data/home", Table(Root, SourceAutofs), () => { });
        var mounted = VolumeLook.Take("/backups", "/srv/data/home", Table(Root, SourceAutofs, SourceReal), () => { });

        Assert.That((idle.SourceMount, idle.SourceIdle), Is.EqualTo(("/srv/data", true)));
        Assert.That((mounted.SourceMount, mounted.SourceIdle), Is.EqualTo(("/srv/data", false)));
        var presence = new VolumePresence();
        presence.Update(new Dictionary<string, VolumeLook> { ["data"] = idle });
        Assert.That(presence.Update(new Dictionary<string, VolumeLook> { ["data"] = mounted }).Appeared, Is.EqualTo(new[] { ("data", "/srv/data") }));
    }
}
