using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.DaemonEndToEnd;

public class DaemonSkipTests : DaemonTest
{
    [Test]
    public void A_missing_backups_directory_is_skipped_with_a_warning_and_other_sections_still_back_up()
    {
        var missing = Path.Combine(Loop.Mount, "backups", "not-there");
        WriteConfig(
            Section("data1", Source, Backups, "*/2 * * * * ?"),
            Section("gone", Source, missing, "*/2 * * * * ?"));

        using var daemon = StartDaemon();
        daemon.WaitForNotify(n => n == "READY=1", ReadyWait);
        var warning = daemon.WaitForLog(l => l.Contains(" WRN ", StringComparison.Ordinal) && l.Contains("skipped", StringComparison.Ordinal), LongWait);
        Assert.That(daemon.Lines[warning], Does.Contain("gone").And.Contain(missing), daemon.Describe());
        Assert.That(Poll.Until(() => SectionOf("gone")?.LastOutcome == "skipped", ReadyWait), Is.True,
            File.Exists(StatePath) ? File.ReadAllText(StatePath) : "no state file");
        Assert.That(SectionOf("gone")?.LastFailureReason, Does.Contain(missing));

        Assert.That(Poll.Until(() => Snapshots(Backups).Count >= 2, LongWait), Is.True, daemon.Describe());
        Assert.That(Directory.Exists(missing), Is.False, "the daemon does not create a backups directory");
        Assert.That(daemon.HasExited, Is.False, daemon.Describe());
        Assert.That(daemon.Lines, Has.None.Contains(" ERR ").And.None.Contains(" FTL "), daemon.Describe());
    }
}
