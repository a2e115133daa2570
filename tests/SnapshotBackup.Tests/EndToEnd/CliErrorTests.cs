using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.EndToEnd;

/// <summary>The command line and the configuration as a user meets them: exit codes, messages, option placement, aliases.</summary>
public class CliErrorTests : VolumeTest
{
    private static void AssertUsageError(Shell.Result result, params string[] mentions)
    {
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        foreach (var text in mentions)
        {
            Assert.That(result.Error, Does.Contain(text));
        }
    }

    [Test]
    public void A_bad_duration_exits_2_naming_file_section_key_and_value()
    {
        WriteConfig("retain_all = 3 fortnights");

        AssertUsageError(Cli("list", "data1"), ConfigPath, "[data1]", "retain_all", "3 fortnights");
    }

    [Test]
    public void A_bad_duration_in_default_exits_2_naming_the_default_section()
    {
        File.WriteAllText(ConfigPath, $"[DEFAULT]\ndecay = soon\n[data1]\nsource = {Source}\nbackups = {Backups}\n");

        AssertUsageError(Cli("list", "data1"), ConfigPath, "[DEFAULT]", "decay", "soon");
    }

    [Test]
    public void An_invalid_section_name_exits_2_naming_file_and_section()
    {
        File.WriteAllText(ConfigPath, $"[data1]\nsource = {Source}\nbackups = {Backups}\n[my backup!]\nsource = /x\nbackups = /y\n");

        AssertUsageError(Cli("list", "data1"), ConfigPath, "[my backup!]");
    }

    [Test]
    public void A_source_that_is_a_file_is_named_as_a_file_not_as_an_unmounted_disk()
    {
        var file = Path.Combine(Loop.Root, "notes.txt");
        File.WriteAllText(file, "x");
        File.WriteAllText(ConfigPath, $"[data1]\nsource = {file}\nbackups = {Backups}\n");
        CliOk("setup", "data1");

        var result = Cli("backup", "data1");

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Error, Does.Contain($"source {file} is a file, not a directory"));
        Assert.That(result.Error, Does.Not.Contain("disk not mounted"));
        Assert.That(Directory.EnumerateFileSystemEntries(Backups), Is.Empty, "nothing was written to the volume");
    }

    [Test]
    public void Two_config_options_are_both_read_in_order_the_later_overriding_key_by_key()
    {
        var second = Path.Combine(Loop.Root, "second.ini");
        WriteConfig("retain_all = 2 days");
        File.WriteAllText(second, "[data1]\nretain_all = 3 days\n");
        CreateSyncByHand();
        foreach (var hour in new[] { 9, 10, 11 })
        {
            MakeSnapshot(NameAt(40, TimeSpan.FromHours(hour), TimeSpan.Zero));
        }

        var result = Cli("-c", second, "prune", "data1", "--dry-run", "-d");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Error, Does.Contain($"configuration read from {second} > {ConfigPath} (most important first)"), result.ToString());
        Assert.That(result.Output, Does.Contain("older than retain_all (3 days)"), "the second file's value wins\n" + result);
    }

    [Test]
    public void An_unknown_backup_name_exits_2_naming_the_file_and_the_configured_sections()
    {
        AssertUsageError(Cli("list", "data2"), "data2", ConfigPath, "data1");
    }

    [Test]
    public void A_missing_config_file_exits_2_naming_it()
    {
        var missing = Path.Combine(Loop.Root, "missing.ini");

        AssertUsageError(CliProcess.Run("-c", missing, "list", "data1"), missing);
    }

    [Test]
    public void An_unknown_command_exits_2()
    {
        AssertUsageError(Cli("frobnicate", "data1"), "unknown command 'frobnicate'");
    }

    [Test]
    public void An_unknown_option_exits_2()
    {
        AssertUsageError(Cli("list", "data1", "--frobnicate"), "unknown option '--frobnicate'");
    }

    [Test]
    public void A_command_without_a_name_exits_2()
    {
        AssertUsageError(Cli("backup"), "backup");
        Assert.That(Directory.Exists(Backups), Is.False);
    }

    [Test]
    public void No_command_at_all_exits_2()
    {
        AssertUsageError(Cli(), "no command");
    }

    [Test]
    public void Options_may_stand_anywhere_on_the_line()
    {
        WriteFile(Path.Combine(Source, "a.txt"), "one");
        CliOk("setup", "data1");
        var name = CliOk("backup", "data1").Output.Trim();

        var before = CliProcess.Run("-c", ConfigPath, "list", "data1", "--json");
        var after = CliProcess.Run("list", "data1", "--json", "-c", ConfigPath);
        var between = CliProcess.Run("list", "--config", ConfigPath, "data1", "--json");
        var joined = CliProcess.Run("--json", "list", "data1", "--config=" + ConfigPath);

        foreach (var result in new[] { before, after, between, joined })
        {
            Assert.That(result.ExitCode, Is.Zero, result.ToString());
            Assert.That(result.Output, Does.StartWith("[").And.Contain($"\"name\": \"{name}\""), "JSON listing of data1");
        }
    }

    [Test]
    public void Version_and_help_exit_0()
    {
        var version = CliProcess.Run("--version");
        Assert.That(version.ExitCode, Is.Zero, version.ToString());
        Assert.That(version.Output, Does.StartWith("snapshotbackup "));

        var help = CliProcess.Run("--help");
        Assert.That(help.ExitCode, Is.Zero, help.ToString());
        Assert.That(help.Output, Does.Contain("Usage:").And.Contain("prune").And.Contain("--yes").And.Contain("Exit codes:"));

        Assert.That(CliProcess.Run("-h").Output, Is.EqualTo(help.Output));
    }

    [Test]
    public void Debug_option_shows_the_rsync_command_and_without_it_there_is_no_debug_output()
    {
        WriteFile(Path.Combine(Source, "a.txt"), "one");
        CliOk("setup", "data1");

        var quiet = CliOk("backup", "data1");
        Assert.That(quiet.Error, Does.Not.Contain("debug:"));
        Thread.Sleep(1100);
        var debug = CliOk("-d", "backup", "data1");
        Assert.That(debug.Error, Does.Contain("debug: running").And.Contain("rsync"));
    }

    [Test]
    public void The_one_letter_aliases_s_b_l_p_d_work()
    {
        WriteFile(Path.Combine(Source, "a.txt"), "one");
        WriteConfig("decay = 2 days");

        CliOk("s", "data1");
        Assert.That(Directory.Exists(Backups), Is.True);

        var created = CliOk("b", "data1").Output.Trim();
        Assert.That(SnapshotNames(), Is.EqualTo(new[] { created }));

        // Two old backups of one day: the later is a prune candidate, the earlier a decay candidate.
        var old = new[] { "2020-05-05T10:00:00+00:00", "2020-05-05T11:00:00+00:00" };
        foreach (var name in old)
        {
            MakeSnapshot(name);
        }
        Assert.That(CliOk("l", "data1").Output, Does.Contain(old[0]).And.Contain(old[1]).And.Contain(created));

        CliOk("p", "data1", "--yes");
        Assert.That(SnapshotNames(), Is.EqualTo(new[] { old[0], created }));

        CliOk("d", "data1", "--yes");
        Assert.That(SnapshotNames(), Is.EqualTo(new[] { created }));
    }
}
