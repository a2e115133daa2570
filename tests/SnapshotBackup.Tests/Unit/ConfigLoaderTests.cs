using SnapshotBackup.Core.Time;

namespace SnapshotBackup.Tests.Unit;

public class ConfigLoaderTests : ConfigTestBase
{
    private const string SeedExample = """
        [DEFAULT]
        ; retain_all = '1 day'
        ; retain_daily = '1 month'
        ; decay = '1 year'

        [data1]
        source = /path/to/data1
        backups = /backups/data1

        [data2]
        source = /path/to/data2
        backups = /backups/data2
        ignore = /.cache
        retain_all = '1 week'
        ; '1', 'true' or 'True' for `True`, everything else is `False`
        autodecay = 1
        autoprune = true
        notify_remote = user@host
        """;

    [Test]
    public void The_seed_example_config_parses()
    {
        var path = Write("snapshotbackup.ini", SeedExample);
        var config = Load(path);

        Assert.That(config.Backups.Keys, Is.EqualTo(new[] { "data1", "data2" }));
        Assert.That(config.Warnings, Is.Empty);
        Assert.That(config.MaxConcurrent, Is.EqualTo(2));

        var data1 = config.Get("data1");
        Assert.That(data1.Source, Is.EqualTo("/path/to/data1"));
        Assert.That(data1.Backups, Is.EqualTo("/backups/data1"));
        Assert.That(data1.Ignore, Is.Empty);
        Assert.That(data1.RetainAll, Is.EqualTo(SnapshotBackup.Core.Retention.RetentionPeriod.Within(new Duration(1, DurationUnit.Day))));
        Assert.That(data1.RetainDaily, Is.EqualTo(SnapshotBackup.Core.Retention.RetentionPeriod.Within(new Duration(1, DurationUnit.Month))));
        Assert.That(data1.Decay, Is.EqualTo(new Duration(1, DurationUnit.Year)));
        Assert.That(data1.SilentFailThreshold, Is.EqualTo(new Duration(3, DurationUnit.Day)));
        Assert.That(data1.AutoPrune, Is.False);
        Assert.That(data1.AutoDecay, Is.False);
        Assert.That(data1.NotifyRemote, Is.Null);
        Assert.That(data1.NotifyUser, Is.Null);
        Assert.That(data1.Schedule, Is.EqualTo("hourly"));
        Assert.That(data1.AllowEmptySource, Is.False);

        var data2 = config.Get("data2");
        Assert.That(data2.Ignore, Is.EqualTo(new[] { "/.cache" }));
        Assert.That(data2.RetainAll, Is.EqualTo(SnapshotBackup.Core.Retention.RetentionPeriod.Within(new Duration(1, DurationUnit.Week))));
        Assert.That(data2.AutoDecay, Is.True);
        Assert.That(data2.AutoPrune, Is.True);
        Assert.That(data2.NotifyRemote, Is.EqualTo("user@host"));
        Assert.That(data2.KeyOrigins["retain_all"], Is.EqualTo(path));
    }

    [Test]
    public void Single_and_double_quotes_around_values_are_stripped()
    {
        var path = Write("a.ini", """
            [data1]
            source = '/src/one'
            backups = "/backups/one"
            retain_all = "2 days"
            retain_daily = '3 weeks'
            notify_user = 'alice'
            schedule = "daily"
            """);
        var data1 = Load(path).Get("data1");

        Assert.That(data1.Source, Is.EqualTo("/src/one"));
        Assert.That(data1.Backups, Is.EqualTo("/backups/one"));
        Assert.That(data1.RetainAll, Is.EqualTo(SnapshotBackup.Core.Retention.RetentionPeriod.Within(new Duration(2, DurationUnit.Day))));
        Assert.That(data1.RetainDaily, Is.EqualTo(SnapshotBackup.Core.Retention.RetentionPeriod.Within(new Duration(3, DurationUnit.Week))));
        Assert.That(data1.NotifyUser, Is.EqualTo("alice"));
        Assert.That(data1.Schedule, Is.EqualTo("daily"));
    }

    [Test]
    public void Default_section_values_apply_to_sections_that_do_not_set_them()
    {
        var path = Write("a.ini", """
            [DEFAULT]
            backups = /backups
            retain_all = 2 days
            autoprune = 1

            [data1]
            source = /src/one

            [data2]
            source = /src/two
            backups = /backups2
            retain_all = 5 hours
            autoprune = no
            """);
        var config = Load(path);

        Assert.That(config.Get("data1").Backups, Is.EqualTo("/backups"));
        Assert.That(config.Get("data1").RetainAll, Is.EqualTo(SnapshotBackup.Core.Retention.RetentionPeriod.Within(new Duration(2, DurationUnit.Day))));
        Assert.That(config.Get("data1").AutoPrune, Is.True);
        Assert.That(config.Get("data2").RetainAll, Is.EqualTo(SnapshotBackup.Core.Retention.RetentionPeriod.Within(new Duration(5, DurationUnit.Hour))));
        Assert.That(config.Get("data2").AutoPrune, Is.False);
        Assert.That(config.Backups.Keys, Is.EqualTo(new[] { "data1", "data2" }), "DEFAULT is not a backup");
        Assert.That(config.Defaults["retain_all"], Is.EqualTo("2 days"));
    }

    [TestCase("default")]
    [TestCase("Default")]
    public void Only_DEFAULT_in_capitals_is_the_defaults_section_as_in_configparser(string spelling)
    {
        var path = Write("a.ini", $"[{spelling}]\nbackups = /backups\n[data1]\nsource = /src\n");

        Assert.That(LoadError(path), Is.EqualTo(
            $"{path}: [{spelling}] has no 'source' key (defaults go in [DEFAULT], in capitals; [{spelling}] is an ordinary backup section)"));
    }

    [Test]
    public void A_sections_own_key_in_an_earlier_file_wins_over_a_default_in_a_later_file()
    {
        var first = Write("a.ini", "[data1]\nsource = /src\nbackups = /backups\nretain_all = 4 days\n");
        var second = Write("b.ini", "[DEFAULT]\nretain_all = 9 days\nretain_daily = 2 months\n");
        var data1 = Load(first, second).Get("data1");

        Assert.That(data1.RetainAll, Is.EqualTo(SnapshotBackup.Core.Retention.RetentionPeriod.Within(new Duration(4, DurationUnit.Day))));
        Assert.That(data1.RetainDaily, Is.EqualTo(SnapshotBackup.Core.Retention.RetentionPeriod.Within(new Duration(2, DurationUnit.Month))));
        Assert.That(data1.KeyOrigins["retain_all"], Is.EqualTo(first));
        Assert.That(data1.KeyOrigins["retain_daily"], Is.EqualTo(second));
    }

    [Test]
    public void Among_defaults_the_later_file_wins()
    {
        var first = Write("a.ini", "[DEFAULT]\ndecay = 1 year\nbackups = /backups\n[data1]\nsource = /src\n");
        var second = Write("b.ini", "[DEFAULT]\ndecay = 2 years\n");
        var config = Load(first, second);

        Assert.That(config.Get("data1").Decay, Is.EqualTo(new Duration(2, DurationUnit.Year)));
        Assert.That(config.Get("data1").Backups, Is.EqualTo("/backups"));
        Assert.That(config.Defaults["decay"], Is.EqualTo("2 years"));
    }

    [Test]
    public void A_later_file_overrides_a_section_key_by_key()
    {
        var first = Write("snapshotbackup.ini",
            "[data1]\nsource = /src\nbackups = /backups\nretain_all = 1 week\nignore = /tmp\n");
        var dropIn = Write("snapshotbackup.d/10-data.ini", "[data1]\nretain_all = 2 weeks\n[data2]\nsource = /b\nbackups = /c\n");
        var config = Load(first, dropIn);
        var data1 = config.Get("data1");

        Assert.That(data1.RetainAll, Is.EqualTo(SnapshotBackup.Core.Retention.RetentionPeriod.Within(new Duration(2, DurationUnit.Week))));
        Assert.That(data1.Source, Is.EqualTo("/src"));
        Assert.That(data1.Ignore, Is.EqualTo(new[] { "/tmp" }));
        Assert.That(data1.KeyOrigins["retain_all"], Is.EqualTo(dropIn));
        Assert.That(data1.KeyOrigins["source"], Is.EqualTo(first));
        Assert.That(config.Backups.Keys, Is.EqualTo(new[] { "data1", "data2" }));
        Assert.That(config.Files, Is.EqualTo(new[] { first, dropIn }));
    }

    [TestCase("/.cache, \"/a, b\"", new[] { "/.cache", "/a, b" })]
    [TestCase("\"/a, b\"", new[] { "/a, b" })]
    [TestCase("\"/a\", \"/b\"", new[] { "/a", "/b" })]
    [TestCase("'/a, /b'", new[] { "/a", "/b" })]
    [TestCase(" /a ,, /b ,", new[] { "/a", "/b" })]
    [TestCase("\"say \"\"hi\"\"\"", new[] { "say \"hi\"" })]
    [TestCase("", new string[0])]
    public void Ignore_is_a_comma_separated_list_with_csv_quoting(string value, string[] expected)
    {
        var path = Write("a.ini", $"[data1]\nsource = /src\nbackups = /backups\nignore = {value}\n");

        Assert.That(Load(path).Get("data1").Ignore, Is.EqualTo(expected));
    }

    [TestCase("1", true)]
    [TestCase("true", true)]
    [TestCase("True", true)]
    [TestCase("'1'", true)]
    [TestCase("\"True\"", true)]
    [TestCase("TRUE", false)]
    [TestCase("yes", false)]
    [TestCase("on", false)]
    [TestCase("0", false)]
    [TestCase("false", false)]
    [TestCase("", false)]
    public void Only_1_true_and_True_are_true(string value, bool expected)
    {
        var path = Write("a.ini",
            $"[data1]\nsource = /src\nbackups = /backups\nautoprune = {value}\nautodecay = {value}\nallow_empty_source = {value}\n");
        var data1 = Load(path).Get("data1");

        Assert.That(data1.AutoPrune, Is.EqualTo(expected));
        Assert.That(data1.AutoDecay, Is.EqualTo(expected));
        Assert.That(data1.AllowEmptySource, Is.EqualTo(expected));
    }

    [Test]
    public void Remote_sources_notify_settings_schedule_and_threshold_are_read()
    {
        var path = Write("a.ini", """
            [DEFAULT]
            max_concurrent = 4
            [web.example-1]
            source = backup@web.example.com:/var/www
            backups = /backups/web
            notify_user = alice
            notify_remote = bob@desktop
            silent_fail_threshold = 1 week
            schedule = */15 * * * *
            """);
        var config = Load(path);
        var web = config.Get("web.example-1");

        Assert.That(config.MaxConcurrent, Is.EqualTo(4));
        Assert.That(web.Source, Is.EqualTo("backup@web.example.com:/var/www"));
        Assert.That(web.IsRemoteSource, Is.True);
        Assert.That(web.NotifyUser, Is.EqualTo("alice"));
        Assert.That(web.NotifyRemote, Is.EqualTo("bob@desktop"));
        Assert.That(web.SilentFailThreshold, Is.EqualTo(new Duration(1, DurationUnit.Week)));
        Assert.That(web.Schedule, Is.EqualTo("*/15 * * * *"));
    }

    [Test]
    public void Keys_and_section_names_are_case_insensitive()
    {
        var path = Write("a.ini", "[data1]\nSOURCE = /src\nBackups = /backups\nRetain_All = 2 days\n");
        var config = Load(path);

        Assert.That(config.Get("DATA1").RetainAll, Is.EqualTo(SnapshotBackup.Core.Retention.RetentionPeriod.Within(new Duration(2, DurationUnit.Day))));
        Assert.That(config.Get("data1").Name, Is.EqualTo("data1"));
    }

    [Test]
    public void Get_reports_an_unknown_name_with_the_files_and_sections()
    {
        var first = Write("a.ini", "[data1]\nsource = /a\nbackups = /b\n");
        var second = Write("b.ini", "[data2]\nsource = /a\nbackups = /b2\n");
        var config = Load(first, second);

        Assert.That(() => config.Get("x"), Throws.TypeOf<Core.Configuration.ConfigException>()
            .With.Message.EqualTo($"no backup named 'x' in {first}, {second} (sections: data1, data2)"));
    }

    [TestCase("a/b", "must not contain '/'")]
    [TestCase("../etc", "must not contain '/'")]
    [TestCase("..", "allowed are letters, digits")]
    [TestCase("", "allowed are letters, digits")]
    [TestCase("a b", "allowed are letters, digits")]
    public void Get_rejects_invalid_names(string name, string expected)
    {
        var config = Load(Write("a.ini", "[data1]\nsource = /a\nbackups = /b\n"));

        Assert.That(() => config.Get(name), Throws.TypeOf<Core.Configuration.ConfigException>()
            .With.Message.Contains($"invalid backup name '{name}'").And.Message.Contains(expected));
    }

    [Test]
    public void A_file_with_only_defaults_loads_with_no_backups_and_a_warning()
    {
        var config = Load(Write("a.ini", "[DEFAULT]\nretain_all = 1 day\n"));

        Assert.That(config.Backups, Is.Empty);
        Assert.That(config.Warnings, Has.Some.Contains("no backups configured"));
    }
}
