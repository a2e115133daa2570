using SnapshotBackup.Cli;
using SnapshotBackup.Core;

namespace SnapshotBackup.Tests.Unit;

public class CliArgumentsTests
{
    [TestCase("-h", "--source")]
    [TestCase("-h", "--from")]
    [TestCase("--help", "--at")]
    [TestCase("restore", "-h", "--to")]
    public void Help_with_an_option_missing_its_value_prints_help_rather_than_failing(params string[] args)
    {
        // Found by the fuzz test: with --help, System.CommandLine reports no parse error, and reading the missing value threw.
        var parsed = CliArguments.Parse(args);
        Assert.That(parsed.Help, Is.True);
        Assert.That(new[] { parsed.Source, parsed.From, parsed.At, parsed.To }, Is.All.Null);
    }

    [Test]
    public void Options_may_stand_before_or_after_the_command()
    {
        var before = CliArguments.Parse(["-c", "f.ini", "list", "data1"]);
        var after = CliArguments.Parse(["list", "data1", "-c", "f.ini"]);
        Assert.That(after with { ConfigPaths = before.ConfigPaths }, Is.EqualTo(before));
        Assert.That(after.ConfigPaths, Is.EqualTo(new[] { "f.ini" }));
        Assert.That(after.Command, Is.EqualTo("list"));
        Assert.That(after.Name, Is.EqualTo("data1"));
    }

    [Test]
    public void Pin_takes_a_snapshot_and_a_note_which_may_stand_before_the_command()
    {
        var parsed = CliArguments.Parse(["--note", "before the upgrade", "pin", "data1", "2026-11-30T18:00:00+01:00", "-n"]);

        Assert.That(parsed.Command, Is.EqualTo("pin"));
        Assert.That(parsed.Name, Is.EqualTo("data1"));
        Assert.That(parsed.Paths, Is.EqualTo(new[] { "2026-11-30T18:00:00+01:00" }));
        Assert.That(parsed.Note, Is.EqualTo("before the upgrade"));
        Assert.That(parsed.DryRun, Is.True);
    }

    [TestCase("unpin", "data1", "S", "--note", "x")]
    [TestCase("list", "data1", "--note", "x")]
    [TestCase("pin", "data1", "S", "--json")]
    public void Only_pin_takes_note_and_pin_takes_no_json(params string[] args)
    {
        var e = Assert.Throws<UsageException>(() => CliArguments.Parse(args));
        Assert.That(e!.Message, Does.Contain("does not take"));
    }

    [Test]
    public void A_note_without_its_text_is_a_usage_error() =>
        Assert.That(Assert.Throws<UsageException>(() => CliArguments.Parse(["pin", "data1", "S", "--note"]))!.Message, Does.Contain("--note needs a value"));

    [TestCase("s", "setup")]
    [TestCase("b", "backup")]
    [TestCase("l", "list")]
    [TestCase("p", "prune")]
    [TestCase("d", "decay")]
    [TestCase("destroy", "destroy")]
    [TestCase("clean", "clean")]
    public void The_original_aliases_name_their_commands(string alias, string command) =>
        Assert.That(CliArguments.Parse([alias, "x"]).Command, Is.EqualTo(command));

    [Test]
    public void Debug_is_repeatable_in_every_spelling() =>
        Assert.That(CliArguments.Parse(["-d", "--debug", "-dd", "list", "x"]).Debug, Is.EqualTo(4));

    [TestCase("backup", "home", "-s")]
    [TestCase("-s", "backup", "home")]
    [TestCase("backup", "-s", "home")]
    [TestCase("b", "home", "--silent")]
    public void Silent_is_read_wherever_it_stands_as_in_the_originals_cron_line(params string[] args)
    {
        var parsed = CliArguments.Parse(args);
        Assert.That((parsed.Command, parsed.Name, parsed.Silent), Is.EqualTo(("backup", "home", true)));
    }

    [Test]
    public void Silent_is_taken_by_every_command_and_bundles_with_debug()
    {
        Assert.That(CliArguments.Commands.Values.Distinct().All(c => CliArguments.Parse([c, "x", "-s"]).Silent), Is.True);
        var bundled = CliArguments.Parse(["-dsd", "list", "x"]);
        Assert.That((bundled.Silent, bundled.Debug), Is.EqualTo((true, 2)));
        Assert.That(CliArguments.Parse(["list", "x"]).Silent, Is.False);
    }

    [Test]
    public void Values_may_follow_an_equals_sign()
    {
        var args = CliArguments.Parse(["backup", "x", "--config=/a.ini", "--source=/src"]);
        Assert.That(args.ConfigPaths, Is.EqualTo(new[] { "/a.ini" }));
        Assert.That(args.Source, Is.EqualTo("/src"));
    }

    [Test]
    public void Flags_are_read()
    {
        var backup = CliArguments.Parse(["backup", "x", "-p", "--checksum", "--dry-run"]);
        var prune = CliArguments.Parse(["prune", "x", "--yes", "--json"]);
        Assert.That(backup.Progress && backup.Checksum && backup.DryRun && prune.Yes && prune.Json, Is.True);
    }

    [TestCase("list", "--dry-run", "'list' does not take --dry-run")]
    [TestCase("status", "--dry-run", "'status' does not take --dry-run")]
    [TestCase("notify-test", "--dry-run", "'notify-test' does not take --dry-run")]
    [TestCase("prune", "--checksum", "'prune' does not take --checksum; its options: --dry-run, --json")]
    [TestCase("list", "-p", "'list' does not take --progress")]
    [TestCase("backup", "--json", "'backup' does not take --json")]
    public void An_option_the_command_does_not_take_is_a_usage_error(string command, string option, string message) =>
        Assert.That(() => CliArguments.Parse([command, "x", option]), Throws.TypeOf<UsageException>().With.Message.EqualTo(message).Or.Message.StartsWith(message));

    [Test]
    public void Yes_is_taken_by_every_command_so_scripts_may_pass_it_everywhere() =>
        Assert.That(CliArguments.Commands.Values.Distinct().All(c => CliArguments.Parse([c, "x", "--yes"]).Yes), Is.True);

    [Test]
    public void Several_config_options_are_kept_in_order() =>
        Assert.That(CliArguments.Parse(["-c", "a.ini", "list", "x", "--config=b.ini"]).ConfigPaths, Is.EqualTo(new[] { "a.ini", "b.ini" }));

    [TestCase("--bogus", "unknown option '--bogus'")]
    [TestCase("frobnicate", "unknown command 'frobnicate'")]
    public void Unknown_words_are_usage_errors(string word, string message) =>
        Assert.That(() => CliArguments.Parse([word, "x"]), Throws.TypeOf<UsageException>().With.Message.Contains(message));

    [Test]
    public void An_option_without_its_value_is_a_usage_error() =>
        Assert.That(() => CliArguments.Parse(["list", "x", "-c"]), Throws.TypeOf<UsageException>().With.Message.Contains("-c needs a value"));

    [Test]
    public void A_third_positional_argument_is_a_usage_error() =>
        Assert.That(() => CliArguments.Parse(["list", "a", "b"]), Throws.TypeOf<UsageException>());

    [Test]
    public void A_double_dash_ends_the_options() =>
        Assert.That(CliArguments.Parse(["list", "--", "-weird"]).Name, Is.EqualTo("-weird"));

    [Test]
    public void A_command_option_may_stand_before_the_command()
    {
        var args = CliArguments.Parse(["--json", "-c", "list", "list", "x"]);
        Assert.That((args.Command, args.Name, args.Json, args.ConfigPaths.Single()), Is.EqualTo(("list", "x", true, "list")));
    }

    [Test]
    public void An_at_sign_is_a_name_not_a_response_file() =>
        Assert.That(CliArguments.Parse(["list", "@/etc/passwd"]).Name, Is.EqualTo("@/etc/passwd"));

    [Test]
    public void Help_wins_over_an_option_the_command_does_not_take() =>
        Assert.That(CliArguments.Parse(["list", "--dry-run", "--help"]).Help, Is.True);

    [Test]
    public void A_command_s_help_shows_its_options_and_not_the_others()
    {
        using var list = new StringWriter();
        CliCommandLine.WriteHelp("list", list);
        using var backup = new StringWriter();
        CliCommandLine.WriteHelp("backup", backup);
        Assert.That(list.ToString(), Does.Contain("--json").And.Contain("--config").And.Not.Contain("--dry-run").And.Not.Contain("--checksum"));
        Assert.That(backup.ToString(), Does.Contain("--checksum").And.Contain("--source").And.Not.Contain("--json"));
    }

    [Test]
    public void Every_usage_error_is_one_line()
    {
        foreach (string[] args in (string[][])[["--bogus"], ["list", "x", "-c"], ["frobnicate"], ["list", "a", "b"], ["list", "x", "--dry-run"], ["status", "--source", "/x"]])
        {
            Assert.That(() => CliArguments.Parse(args), Throws.TypeOf<UsageException>().With.Message.Not.Contains('\n'), string.Join(' ', args));
        }
    }
}
