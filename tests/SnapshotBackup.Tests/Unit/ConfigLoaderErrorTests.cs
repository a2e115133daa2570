using SnapshotBackup.Core.Configuration;

namespace SnapshotBackup.Tests.Unit;

public class ConfigLoaderErrorTests : ConfigTestBase
{
    [Test]
    public void A_bad_duration_names_file_section_key_value_and_what_is_expected()
    {
        Write("snapshotbackup.ini", "[data1]\nsource = /src\nbackups = /backups\n");
        var dropIn = Write("snapshotbackup.d/10-data.ini", "[data1]\nretain_all = '1 fortnight'\n");

        Assert.That(LoadError(Path.Combine(Dir, "snapshotbackup.ini"), dropIn), Is.EqualTo(
            $"{dropIn}: [data1] retain_all = '1 fortnight': 'fortnight' is not a unit; expected a span back from now: " +
            "a number and a unit, e.g. '1 day', '2w', '3 months', '1.5 days', 'a week', or several ('1 day 12 hours'), " +
            "optionally followed by 'ago', or 'yesterday'; units: s/sec/second, m/min/minute, h/hr/hour, d/day, w/wk/week, " +
            "mo/month, y/yr/year, decade (months, years and decades in whole numbers); " +
            "or a count of the newest backups ('14'), 'forever' or 'none'"));
    }

    [Test]
    public void A_bad_default_value_is_reported_as_default_even_when_no_section_uses_it()
    {
        var path = Write("a.ini", "[DEFAULT]\ndecay = soon\n[data1]\nsource = /s\nbackups = /b\ndecay = 1 year\n");

        Assert.That(LoadError(path), Does.StartWith($"{path}: [DEFAULT] decay = 'soon': 'soon' is neither a number nor a unit; expected a span"));
    }

    [TestCase("retain_all", "next friday", "a time in the future")]
    [TestCase("retain_daily", "in 2 days", "a time in the future")]
    [TestCase("decay", "tomorrow", "a time in the future")]
    [TestCase("silent_fail_threshold", "march", "'march' is neither a number nor a unit")]
    [TestCase("retain_all", "-1 day", "a number with a sign")]
    [TestCase("retain_daily", "0.3 months", "months must be whole numbers")]
    [TestCase("decay", "1h30", "a clock time to dateparser")]
    [TestCase("retain_all", "3 mon", "'mon' is a Monday to dateparser")]
    [TestCase("retain_all", "", "empty")]
    [TestCase("decay", "''", "empty")]
    [TestCase("retain_all", "1 day 1 day", "days given twice")]
    [TestCase("decay", "garbage", "'garbage' is neither a number nor a unit")]
    public void A_refused_duration_names_file_section_key_value_and_why(string key, string value, string reason)
    {
        var path = Write("a.ini", $"[data1]\nsource = /src\nbackups = /backups\n{key} = {value}\n");

        // The value as read: trimmed, one pair of surrounding quotes removed.
        var shown = value == "''" ? "" : value;
        Assert.That(LoadError(path), Does.StartWith($"{path}: [data1] {key} = '{shown}': {reason}")
            .And.EndWith(key.StartsWith("retain_", StringComparison.Ordinal)
                ? $"; {Core.Time.Duration.Expected}; {Core.Retention.RetentionPeriod.OtherForms}"
                : $"; {Core.Time.Duration.Expected}"));
    }

    [TestCase("1d", "1 day")]
    [TestCase("'2w'", "2 weeks")]
    [TestCase("3 months", "3 months")]
    [TestCase("'1 day 12 hours'", "1 day 12 hours")]
    [TestCase("1.5 days", "1.5 days")]
    [TestCase("a week", "1 week")]
    [TestCase("an hour ago", "1 hour")]
    [TestCase("10 seconds", "10 seconds")]
    [TestCase("yesterday", "1 day")]
    [TestCase("\"1 yr, 2 mo\"", "1 year 2 months")]
    public void Every_duration_key_reads_the_original_forms(string value, string meaning)
    {
        var path = Write("a.ini",
            $"[data1]\nsource = /src\nbackups = /backups\nretain_all = {value}\nretain_daily = {value}\ndecay = {value}\nsilent_fail_threshold = {value}\n");
        var config = Load(path);
        var data1 = config.Get("data1");

        Assert.Multiple(() =>
        {
            Assert.That(data1.RetainAll.ToString(), Is.EqualTo(meaning));
            Assert.That(data1.RetainDaily.ToString(), Is.EqualTo(meaning));
            Assert.That(data1.Decay.ToString(), Is.EqualTo(meaning));
            Assert.That(data1.SilentFailThreshold.ToString(), Is.EqualTo(meaning));
            Assert.That(config.Warnings, Is.Empty, "quotes around durations are expected, as in the original's example");
        });
    }

    [Test]
    public void A_nul_character_in_a_path_is_rejected()
    {
        var path = Write("a.ini", "[data1]\nsource = /src\nbackups = /back\0ups\n");

        Assert.That(LoadError(path), Does.StartWith($"{path}: [data1] backups = ").And.EndWith("a path cannot contain a NUL character"));
    }

    [Test]
    public void Two_backups_into_one_directory_are_rejected()
    {
        var path = Write("a.ini", "[data1]\nsource = /src1\nbackups = /backups/x\n[data2]\nsource = /src2\nbackups = /backups/x/\n");

        Assert.That(LoadError(path), Is.EqualTo(
            $"{path}: [data2] backups = /backups/x/: [data1] already backs up into it; give each backup its own directory"));
    }

    [Test]
    public void A_backups_directory_inside_its_own_source_is_a_warning_unless_ignored()
    {
        var path = Write("a.ini", "[data1]\nsource = /\nbackups = /backups/data1\n[data2]\nsource = /home\nbackups = /home/b\nignore = /b\n");

        var set = ConfigLoader.Load([path], [path]);
        Assert.That(set.Warnings, Has.One.Contains("[data1] backups /backups/data1 lies inside its source /; add 'ignore = /backups/data1'"));
        Assert.That(set.Warnings, Has.None.Contains("[data2]"));
    }

    [Test]
    public void Relative_paths_are_refused_where_there_is_no_working_directory_to_resolve_them_against()
    {
        var path = Write("a.ini", "[data1]\nsource = /src\nbackups = backups/data1\n");

        Assert.That(LoadError(path), Is.EqualTo(
            $"{path}: [data1] backups = 'backups/data1': a relative path, and the daemon has no working directory to resolve it against; write an absolute path"));
    }

    [Test]
    public void Relative_source_and_backups_are_resolved_against_the_working_directory_as_the_original_did()
    {
        // The original's own demo config says 'source = snapshotbackup'.
        var path = Write("a.ini", "[data1]\nsource = snapshotbackup\nbackups = ../demo/backups/\n[DEFAULT]\nbackups = x\n");

        var data1 = ConfigLoader.Load([path], [path], "/home/me/src").Get("data1");

        Assert.That(data1.Source, Is.EqualTo("/home/me/src/snapshotbackup"));
        Assert.That(data1.Backups, Is.EqualTo("/home/me/demo/backups/"));
    }

    [TestCase("host:relative", "expected an absolute path or [user@]host:/path (a remote path must be absolute)")]
    [TestCase("-oProxyCommand=x:/a", "expected an absolute path or [user@]host:/path (a remote path must be absolute)")]
    [TestCase("", "expected an absolute path or [user@]host:/path")]
    public void A_bad_source_is_rejected(string source, string expected)
    {
        var path = Write("a.ini", $"[data1]\nsource = {source}\nbackups = /backups\n");

        Assert.That(() => ConfigLoader.Load([path], [path], "/home/me"), Throws.TypeOf<ConfigException>()
            .With.Message.EqualTo($"{path}: [data1] source = '{source}': {expected}"));
    }

    [TestCase("bad name")]
    [TestCase("a/b")]
    [TestCase("..")]
    [TestCase(".")]
    [TestCase("data:1")]
    public void A_bad_section_name_is_rejected(string name)
    {
        var path = Write("a.ini", $"[{name}]\nsource = /src\nbackups = /backups\n");

        Assert.That(LoadError(path), Is.EqualTo(
            $"{path}: [{name}] is not a valid backup name: allowed are letters, digits, '_', '.' and '-' (but not '.' or '..')"));
    }

    [Test]
    public void A_missing_source_names_the_last_file_that_defines_the_section()
    {
        var first = Write("a.ini", "[data1]\nbackups = /backups\n");
        var second = Write("b.ini", "[data1]\nretain_all = 1 day\n");
        Write("c.ini", "[data2]\nsource = /s\nbackups = /b\n");

        Assert.That(LoadError(first, second, Path.Combine(Dir, "c.ini")), Is.EqualTo($"{second}: [data1] has no 'source' key"));
    }

    [Test]
    public void A_missing_backups_key_is_reported()
    {
        var path = Write("a.ini", "[data1]\nsource = /src\n");

        Assert.That(LoadError(path), Is.EqualTo($"{path}: [data1] has no 'backups' key"));
    }

    [Test]
    public void An_unknown_key_is_a_warning_naming_file_section_and_key()
    {
        var path = Write("a.ini", "[DEFAULT]\ncolour = blue\n[data1]\nsource = /src\nbackups = /backups\nretian_all = 1 day\n");
        var config = Load(path);

        Assert.That(config.Warnings, Is.EqualTo(new[]
        {
            $"{path}: [DEFAULT] unknown key 'colour' ignored",
            $"{path}: [data1] unknown key 'retian_all' ignored",
        }));
        Assert.That(config.Get("data1").RetainAll, Is.EqualTo(SnapshotBackup.Core.Retention.RetentionPeriod.Within(new Core.Time.Duration(1, Core.Time.DurationUnit.Day))));
    }

    [Test]
    public void Max_concurrent_outside_default_is_a_warning()
    {
        var path = Write("a.ini", "[data1]\nsource = /src\nbackups = /backups\nmax_concurrent = 5\n");
        var config = Load(path);

        Assert.That(config.MaxConcurrent, Is.EqualTo(2));
        Assert.That(config.Warnings, Is.EqualTo(new[] { $"{path}: [data1] max_concurrent is only read from [DEFAULT]; ignored here" }));
    }

    [TestCase("0")]
    [TestCase("-1")]
    [TestCase("two")]
    public void A_bad_max_concurrent_is_rejected(string value)
    {
        var path = Write("a.ini", $"[DEFAULT]\nmax_concurrent = {value}\n");

        Assert.That(LoadError(path), Is.EqualTo($"{path}: [DEFAULT] max_concurrent = '{value}': expected a positive integer"));
    }

    [TestCase("notify_remote", "user@host name", "expected [user@]host")]
    [TestCase("notify_remote", "-oProxyCommand=x", "expected [user@]host")]
    [TestCase("notify_user", "bad user", "expected a user name")]
    [TestCase("silent_fail_threshold", "3", "'3' has no unit; expected a span back from now")]
    public void Bad_optional_values_are_rejected(string key, string value, string expected)
    {
        var path = Write("a.ini", $"[data1]\nsource = /src\nbackups = /backups\n{key} = {value}\n");

        Assert.That(LoadError(path), Does.StartWith($"{path}: [data1] {key} = '{value}': {expected}"));
    }

    [Test]
    public void An_empty_section_name_is_not_a_header_as_in_configparser()
    {
        var path = Write("a.ini", "[]\nsource = /src\nbackups = /backups\n");

        Assert.That(LoadError(path), Is.EqualTo(
            $"{path}:1: no section header before '[]' (put [DEFAULT] or a [name] header above it)"));
    }

    [Test]
    public void A_malformed_line_names_the_file_and_line()
    {
        var path = Write("a.ini", "[data1]\nsource = /src\nthis line has no equals sign\n");

        Assert.That(LoadError(path), Is.EqualTo(
            $"{path}:3: 'this line has no equals sign' is neither a [section] header nor a 'key = value' line " +
            "(and not indented to continue a value)"));
    }

    [Test]
    public void A_duplicate_key_in_one_file_names_both_lines()
    {
        var path = Write("a.ini", "[data1]\nsource = /src\nSource = /other\n");

        Assert.That(LoadError(path), Is.EqualTo(
            $"{path}:3: option 'source' appears twice in [data1] (first on line 2); keep one"));
    }

    [Test]
    public void A_key_outside_any_section_is_rejected()
    {
        var path = Write("a.ini", "source = /src\n[data1]\nbackups = /b\n");

        Assert.That(LoadError(path), Is.EqualTo(
            $"{path}:1: no section header before 'source = /src' (put [DEFAULT] or a [name] header above it)"));
    }

    [Test]
    public void No_config_file_at_all_lists_the_paths_looked_at()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load([], ["/x/snapshotbackup.ini", "/etc/snapshotbackup.d/*.ini"]));

        Assert.That(e!.Message, Is.EqualTo("no config file found; looked at /x/snapshotbackup.ini, /etc/snapshotbackup.d/*.ini"));
    }

    [TestCase("hc-ping.com/5bf66975-d4c7-4bf5-bcc8-b8d8a82ec9f2", "'hc-ping.com/…c9f2': expected an http:// or https:// URL")]
    [TestCase("ftp://hc.lan/5bf66975-d4c7-4bf5-bcc8-b8d8a82ec9f2", "'ftp://hc.lan/…c9f2': expected an http:// or https:// URL")]
    public void A_bad_ping_url_is_quoted_without_its_token(string value, string expected)
    {
        var path = Write("a.ini", $"[data1]\nsource = /s\nbackups = /b\nping_url = {value}\n");

        Assert.That(LoadError(path), Is.EqualTo($"{path}: [data1] ping_url = {expected}"));
    }

    [TestCase("\"https://hc-ping.com/5bf66975-d4c7-4bf5-bcc8-b8d8a82ec9f2\"")]
    [TestCase("https://kuma.lan/api/push/Ab3dEf9hIj?status=up&msg=Backup%20OK")]
    public void A_warning_about_a_ping_url_names_it_without_its_token(string value)
    {
        var path = Write("a.ini", $"[data1]\nsource = /s\nbackups = /b\nping_url = {value}\n");

        var warnings = Load(path).Warnings;

        Assert.That(warnings, Is.Not.Empty, "the quotes or the '%' are noted");
        Assert.That(string.Join('\n', warnings), Does.Not.Contain("b8d8a82ec9f2").And.Not.Contain("Ab3dEf9hIj"));
    }

    [TestCase("8 weeks", "expected at most 30 days")]
    [TestCase("0.5 s", "expected at least one second")]
    public void A_hook_timeout_out_of_range_is_refused(string value, string expected)
    {
        var path = Write("a.ini", $"[data1]\nsource = /s\nbackups = /b\nhook_timeout = {value}\n");

        Assert.That(LoadError(path), Is.EqualTo($"{path}: [data1] hook_timeout = '{value}': {expected}"));
    }
}
