using SnapshotBackup.Cli;
using SnapshotBackup.Core.Copies;
using SnapshotBackup.Core.Retention;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Tests.Unit.Copies;

/// <summary>What status and list say about copies.</summary>
public class CopyPrintersTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    [Test]
    public void Status_shows_each_targets_last_copy_how_far_behind_it_is_and_its_last_error()
    {
        var newest = new Snapshot("2026-12-01T11:00:00+00:00", Now.AddHours(-1));
        var section = new StatusSection("data1", null, newest, null)
        {
            Copies =
            [
                ("/mnt/usb", new CopyRecord { LastCopy = Now.AddHours(-1), NewestCopy = newest.Name, LastReachable = Now.AddHours(-1) }),
                ("nas:/srv/x", new CopyRecord
                {
                    LastCopy = Now.AddDays(-2), NewestCopy = "2026-11-29T11:00:00+00:00", Missing = 3,
                    LastAttempt = Now.AddMinutes(-5), LastError = "ssh: connect to host nas port 22: Connection refused",
                }),
                ("/mnt/never", null),
            ],
        };
        var report = new StatusReport("/s.json", null, null, false, true, [section], []);
        var text = StatusPrinter.Text(report, Now);
        Assert.That(text, Does.Contain("copy /mnt/usb:"));
        Assert.That(text, Does.Contain("up to date"));
        Assert.That(text, Does.Contain("2 days behind the newest snapshot, 3 snapshots to send"));
        Assert.That(text, Does.Contain("Connection refused"));
        Assert.That(text, Does.Contain("never tried"));
        var json = StatusPrinter.Json(report);
        Assert.That(json, Does.Contain("\"lag_seconds\": 172800"));
        Assert.That(json, Does.Contain("\"missing\": 3"));
    }

    [Test]
    public void List_shows_which_targets_hold_each_snapshot_and_that_a_copy_parent_is_kept()
    {
        var old = new BackupEntry("2026-11-01T10:00:00+00:00", Now.AddDays(-30), true, true, false, false, false, true, false);
        var last = new BackupEntry("2026-12-01T10:00:00+00:00", Now.AddHours(-2), true, true, true, true, true, false, false);
        var copies = new ListCopies(
            ["/mnt/usb", "nas:/x"],
            new Dictionary<string, IReadOnlyList<string>> { [old.Name] = ["/mnt/usb"] },
            new HashSet<string> { old.Name },
            new Dictionary<string, string> { ["nas:/x"] = "not reachable" });
        var text = ListPrinter.Text([old, last], Now, copies);
        Assert.That(text, Does.Contain("weekly copy parent copied to /mnt/usb"));
        Assert.That(text, Does.Not.Contain("prune candidate"));
        Assert.That(text, Does.Contain("copy target nas:/x not listed: not reachable"));
        var json = ListPrinter.Json([old, last], Now, copies);
        Assert.That(json, Does.Contain("\"copy_parent\": true"));
        Assert.That(ListPrinter.Json([old, last], Now), Does.Not.Contain("copies"), "sections without copy_to keep their JSON");
    }
}
