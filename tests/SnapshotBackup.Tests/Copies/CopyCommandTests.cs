using SnapshotBackup.Core;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Cli;
using SnapshotBackup.Core.Copies;

namespace SnapshotBackup.Tests.Copies;

public sealed class CopyCommandTests
{
    private static CopyTarget T(string spec)
    {
        Assert.That(CopyTarget.TryParse(spec, out var target, out var error), Is.True, error);
        return target;
    }

    private static BackupConfig Config(params CopyTarget[] targets) =>
        new() { Name = "home", Source = "/home", Backups = "/mnt/backups", CopyTo = targets };

    [Test]
    public void Without_to_every_target_is_copied_to_and_to_picks_one_however_it_is_written()
    {
        var usb = T("/media/usb/copies");
        var remote = T("backup@nas:/srv/copies");
        var config = Config(usb, remote);
        Assert.That(CopyCommand.Targets(config, null), Is.EqualTo(new[] { usb, remote }));
        Assert.That(CopyCommand.Targets(config, "/media/usb/copies/"), Is.EqualTo(new[] { usb }));
        Assert.That(CopyCommand.Targets(config, "backup@nas:/srv/copies"), Is.EqualTo(new[] { remote }));
    }

    [Test]
    public void An_unknown_target_or_a_section_without_copy_to_is_a_usage_error_naming_the_targets()
    {
        var e = Assert.Throws<UsageException>(() => CopyCommand.Targets(Config(T("/media/usb/copies")), "/elsewhere"));
        Assert.That(e!.Message, Does.Contain("/elsewhere").And.Contain("/media/usb/copies"));
        Assert.Throws<UsageException>(() => CopyCommand.Targets(Config(), null));
    }

    [Test]
    public void The_report_says_what_was_sent_how_with_exact_bytes_and_what_was_left_alone()
    {
        var report = new CopyReport(T("/media/usb/copies"))
        {
            Sent = [new SentCopy("2026-01-01T00:00:00+00:00", null, 3L << 30, TimeSpan.FromSeconds(30)),
                    new SentCopy("2026-01-02T00:00:00+00:00", "2026-01-01T00:00:00+00:00", 2048, TimeSpan.FromSeconds(1))],
            Deleted = ["2025-01-01T00:00:00+00:00"],
            Foreign = ["2024-01-01T00:00:00+00:00"],
            CommonParent = "2026-01-02T00:00:00+00:00",
        };
        Assert.That(CopyCommand.Describe(report).Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[]
        {
            "/media/usb/copies: sent 2026-01-01T00:00:00+00:00, full (no common snapshot), 3.00 GiB (3221225472 bytes) in 30.0 s",
            "/media/usb/copies: sent 2026-01-02T00:00:00+00:00, incremental from 2026-01-01T00:00:00+00:00, 2.00 KiB (2048 bytes) in 1.0 s",
            "/media/usb/copies: deleted 2025-01-01T00:00:00+00:00 (copy retention)",
            "/media/usb/copies: 2024-01-01T00:00:00+00:00 is not a copy of this backup's snapshot of that name; left alone",
            "/media/usb/copies: 2 sent (3.00 GiB), 1 deleted; newest copy 2026-01-02T00:00:00+00:00",
        }));
        Assert.That(CopyCommand.Describe(report with { DryRun = true, Sent = [report.Sent[1]] }).Split('\n')[0],
            Is.EqualTo("/media/usb/copies: would send 2026-01-02T00:00:00+00:00, incremental from 2026-01-01T00:00:00+00:00"));
    }
}
