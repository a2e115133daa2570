using SnapshotBackup.Daemon.Mounts;

namespace SnapshotBackup.Tests.Daemon;

/// <summary>Which section's volume appeared between two looks at the mount table.</summary>
public class VolumePresenceTests
{
    private static Dictionary<string, VolumeLook> Looks(params (string Name, VolumeLook Look)[] looks) =>
        looks.ToDictionary(l => l.Name, l => l.Look, StringComparer.OrdinalIgnoreCase);

    private static VolumeLook Usb(bool available, string backupsMount, string sourceMount = "/") =>
        new("/media/usb/backups", "/home", available, backupsMount, sourceMount);

    [Test]
    public void The_first_look_reports_what_is_present_not_what_appeared()
    {
        var presence = new VolumePresence();

        var changes = presence.Update(Looks(("usb", Usb(true, "/media/usb")), ("off", Usb(false, "/"))));

        Assert.That(changes.Appeared, Is.Empty);
        Assert.That(changes.Present, Is.EqualTo(new[] { ("usb", "/media/usb") }));
        Assert.That(changes.Pending, Is.False);
        Assert.That(presence.Update(Looks(("usb", Usb(true, "/media/usb")), ("off", Usb(false, "/")))).Present, Is.Empty);
    }

    [Test]
    public void A_backups_directory_that_becomes_available_appeared_at_its_mount_point()
    {
        var presence = new VolumePresence();
        presence.Update(Looks(("usb", Usb(false, "/"))));

        var changes = presence.Update(Looks(("usb", Usb(true, "/media/usb"))));

        Assert.That(changes.Appeared, Is.EqualTo(new[] { ("usb", "/media/usb") }));
    }

    [Test]
    public void It_appears_once_not_at_every_later_change()
    {
        var presence = new VolumePresence();
        presence.Update(Looks(("usb", Usb(false, "/"))));
        presence.Update(Looks(("usb", Usb(true, "/media/usb"))));

        Assert.That(presence.Update(Looks(("usb", Usb(true, "/media/usb")))).Appeared, Is.Empty);
    }

    [Test]
    public void An_unmount_is_no_appearance_and_the_next_mount_is()
    {
        var presence = new VolumePresence();
        presence.Update(Looks(("usb", Usb(true, "/media/usb"))));

        Assert.That(presence.Update(Looks(("usb", Usb(false, "/")))).Appeared, Is.Empty);
        Assert.That(presence.Update(Looks(("usb", Usb(true, "/media/usb")))).Appeared, Has.Count.EqualTo(1));
    }

    [Test]
    public void A_disk_mounted_over_the_local_source_appeared_at_the_source_mount()
    {
        var presence = new VolumePresence();
        presence.Update(Looks(("usb", Usb(true, "/media/usb", sourceMount: "/"))));

        var changes = presence.Update(Looks(("usb", Usb(true, "/media/usb", sourceMount: "/home"))));

        Assert.That(changes.Appeared, Is.EqualTo(new[] { ("usb", "/home") }));
    }

    [Test]
    public void A_mount_elsewhere_changes_nothing()
    {
        var presence = new VolumePresence();
        presence.Update(Looks(("usb", Usb(true, "/media/usb")), ("off", Usb(false, "/"))));

        var changes = presence.Update(Looks(("usb", Usb(true, "/media/usb")), ("off", Usb(false, "/"))));

        Assert.That(changes.Appeared, Is.Empty);
        Assert.That(changes.Pending, Is.False);
    }

    [Test]
    public void A_mount_over_a_directory_that_is_not_usable_yet_asks_for_another_look()
    {
        var presence = new VolumePresence();
        presence.Update(Looks(("usb", Usb(false, "/"))));

        var changes = presence.Update(Looks(("usb", Usb(false, "/media/usb"))));

        Assert.That(changes.Appeared, Is.Empty);
        Assert.That(changes.Pending, Is.True);
        Assert.That(presence.Update(Looks(("usb", Usb(true, "/media/usb")))).Appeared, Has.Count.EqualTo(1));
    }

    [Test]
    public void A_section_added_or_moved_by_a_reload_starts_from_a_baseline()
    {
        var presence = new VolumePresence();
        presence.Update(Looks(("usb", Usb(false, "/"))));

        var moved = new VolumeLook("/media/other/backups", "/home", true, "/media/other", "/");
        var changes = presence.Update(Looks(("usb", moved), ("new", Usb(true, "/media/usb"))));

        Assert.That(changes.Appeared, Is.Empty);
        Assert.That(changes.Present, Is.EqualTo(new[] { ("usb", "/media/other"), ("new", "/media/usb") }));
    }

    [Test]
    public void A_disk_mounted_over_the_sources_idle_automount_point_appeared()
    {
        var presence = new VolumePresence();
        presence.Update(Looks(("usb", new VolumeLook("/backups", "/media/src", true, "/", "/media/src", SourceIdle: true))));

        var changes = presence.Update(Looks(("usb", new VolumeLook("/backups", "/media/src", true, "/", "/media/src", SourceIdle: false))));

        Assert.That(changes.Appeared, Is.EqualTo(new[] { ("usb", "/media/src") }));
    }
}
