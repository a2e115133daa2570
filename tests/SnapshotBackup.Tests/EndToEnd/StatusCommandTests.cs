using System.Text.Json;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.EndToEnd;

/// <summary>
/// The real <c>snapshotbackup status</c> against a loopback btrfs: the configuration in effect decides which sections
/// are shown, the volume supplies the last backup the daemon does not know of, and a corrupt state file is an error.
/// </summary>
public class StatusCommandTests : VolumeTest
{
    private string StatePath => Path.Combine(Loop.Root, "state.json");

    private void WriteState(string sections) =>
        File.WriteAllText(StatePath, $$"""{ "pid": 2147483647, "sections": { {{sections}} } }""");

    private string BackupOnce()
    {
        WriteFile(Path.Combine(Source, "a.txt"), "one");
        CliOk("setup", "data1");
        return CliOk("backup", "data1").Output.Trim();
    }

    [Test]
    public void A_section_the_daemon_never_ran_shows_the_newest_snapshot_on_the_volume_as_its_last_backup()
    {
        var snapshot = BackupOnce();
        WriteState("\"data1\": {}");

        var result = CliOk("status", "--state-file", StatePath);

        Assert.That(result.Output, Does.Not.Contain("never ran"));
        Assert.That(result.Output, Does.Contain("data1: no run recorded by the daemon"));
        Assert.That(result.Output, Does.Contain("last success:").And.Contain(snapshot).And.Contain("not recorded by the daemon"));
    }

    [Test]
    public void Without_any_state_file_the_configured_section_still_shows_its_newest_snapshot()
    {
        var snapshot = BackupOnce();

        var result = CliOk("status", "--state-file", StatePath);

        Assert.That(result.Output, Does.Contain("no state recorded yet"));
        Assert.That(result.Output, Does.Contain("data1: no run recorded by the daemon").And.Contain(snapshot));
        using var json = JsonDocument.Parse(CliOk("status", "--json", "--state-file", StatePath).Output);
        var data1 = json.RootElement.GetProperty("sections").GetProperty("data1");
        Assert.That(data1.GetProperty("newest_snapshot").GetString(), Is.EqualTo(snapshot));
    }

    [Test]
    public void A_snapshot_newer_than_the_daemons_last_success_is_shown_as_made_outside_the_daemon()
    {
        var snapshot = BackupOnce();
        WriteState("""
            "data1": { "last_outcome": "ok", "last_success": "2020-01-01T00:00:00+00:00", "last_snapshot": "2020-01-01T00:00:00+00:00" }
            """);

        var result = CliOk("status", "--state-file", StatePath);

        Assert.That(result.Output, Does.Contain("data1: ok").And.Contain("last success:").And.Contain("2020-01-01T00:00:00+00:00"));
        Assert.That(result.Output, Does.Contain("newest snapshot:").And.Contain(snapshot + " (not recorded by the daemon: made outside it)"));
    }

    [Test]
    public void A_corrupt_state_file_is_named_as_corrupt_and_exits_65()
    {
        BackupOnce();
        File.WriteAllText(StatePath, "{ \"pid\": 12, \"sections\": { \"data1\": ");

        var result = Cli("status", "--state-file", StatePath);

        Assert.That(result.ExitCode, Is.EqualTo(65), result.ToString());
        Assert.That(result.Output + result.Error, Does.Not.Contain("no state recorded yet"));
        Assert.That(result.Error, Does.Contain($"state file {StatePath} is corrupt"));
        Assert.That(result.Output, Does.Contain("data1:"), "what the volume says is still shown");

        var json = Cli("status", "--json", "--state-file", StatePath);
        Assert.That(json.ExitCode, Is.EqualTo(65), json.ToString());
        using var doc = JsonDocument.Parse(json.Output);
        Assert.That(doc.RootElement.GetProperty("state_error").GetString(), Does.Contain("corrupt"));
    }

    [Test]
    public void An_empty_state_file_is_corrupt_too()
    {
        File.WriteAllText(StatePath, string.Empty);

        var result = Cli("status", "--state-file", StatePath);

        Assert.That(result.ExitCode, Is.EqualTo(65), result.ToString());
        Assert.That(result.Error, Does.Contain(StatePath));
    }

    [Test]
    public void Status_lists_exactly_the_sections_of_the_configuration_in_effect()
    {
        var data2 = Path.Combine(Loop.Mount, "backups", "data2");
        File.WriteAllText(ConfigPath, $"""
            [data1]
            source = {Source}
            backups = {Backups}

            [data2]
            source = {Source}
            backups = {data2}
            """);
        WriteState("""
            "data1": { "last_outcome": "failed", "last_failure": "2026-11-24T18:00:00+01:00", "last_failure_reason": "boom" },
            "old1": { "last_outcome": "ok" }
            """);

        var result = CliOk("status", "--state-file", StatePath);

        var lines = result.Output.Split('\n');
        Assert.That(lines.Where(l => l.Length > 0 && !l.StartsWith(' ') && l.Contains(": ", StringComparison.Ordinal) && !l.StartsWith("snapshotbackupd", StringComparison.Ordinal))
            .Select(l => l[..l.IndexOf(':', StringComparison.Ordinal)]), Is.EqualTo(new[] { "data1", "data2", "no longer configured" }), result.Output);
        Assert.That(result.Output, Does.Contain("data1: failed").And.Contain("data2: never ran").And.Contain("no longer configured: old1"));

        using var json = JsonDocument.Parse(CliOk("status", "--json", "--state-file", StatePath).Output);
        Assert.That(json.RootElement.GetProperty("sections").EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "data1", "data2" }));

        Assert.That(CliOk("status", "data2", "--state-file", StatePath).Output, Does.Contain("data2: never ran").And.Not.Contain("data1"));
        var old = Cli("status", "old1", "--state-file", StatePath);
        Assert.That(old.ExitCode, Is.EqualTo(2), old.ToString());
        Assert.That(old.Error, Does.Contain("no backup named 'old1'"));
    }
}
