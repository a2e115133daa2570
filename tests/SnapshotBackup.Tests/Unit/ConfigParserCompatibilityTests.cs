using System.Text;
using SnapshotBackup.Core.Configuration;

namespace SnapshotBackup.Tests.Unit;

/// <summary>Files the original tool (configparser) read, which the Microsoft INI provider read differently or refused.</summary>
public class ConfigParserCompatibilityTests : ConfigTestBase
{
    [Test]
    public void Ignore_patterns_on_continuation_lines_starting_with_a_slash_are_all_kept()
    {
        var path = Write("a.ini", "[data1]\nsource = /srv/data\nbackups = /backups/data1\nignore =\n  /big1*,\n  /big2*\n");

        Assert.That(Load(path).Get("data1").Ignore, Is.EqualTo(new[] { "/big1*", "/big2*" }));
    }

    [Test]
    public void Ignore_entries_may_be_separated_by_line_breaks_alone_and_comments_between_them_are_dropped()
    {
        var path = Write("a.ini",
            "[data1]\nsource = /srv/data\nbackups = /backups/data1\nignore = /a\n\t/b, \"/c, d\"\n  # not a pattern\n\n  /e\n");

        Assert.That(Load(path).Get("data1").Ignore, Is.EqualTo(new[] { "/a", "/b", "/c, d", "/e" }));
    }

    [Test]
    public void A_colon_is_a_delimiter_too()
    {
        var path = Write("a.ini", "[data1]\nsource: /srv/data\nbackups :/backups/data1\nretain_all: 2 days\n");
        var data1 = Load(path).Get("data1");

        Assert.That(data1.Source, Is.EqualTo("/srv/data"));
        Assert.That(data1.Backups, Is.EqualTo("/backups/data1"));
        Assert.That(data1.RetainAll.ToString(), Is.EqualTo("2 days"));
    }

    [Test]
    public void The_first_delimiter_splits_so_a_remote_source_keeps_its_colon()
    {
        var path = Write("a.ini", "[data1]\nsource = user@host:/srv\nbackups = /backups/data1\n");

        Assert.That(Load(path).Get("data1").Source, Is.EqualTo("user@host:/srv"));
    }

    [Test]
    public void A_file_without_a_section_header_says_so_with_the_line()
    {
        var path = Write("a.ini", "# my backups\n\nsource = /srv\nbackups = /b\n");

        Assert.That(LoadError(path), Is.EqualTo(
            $"{path}:3: no section header before 'source = /srv' (put [DEFAULT] or a [name] header above it)"));
    }

    [Test]
    public void Sections_differing_only_in_case_in_one_file_are_refused_naming_both()
    {
        var path = Write("a.ini", "[data1]\nsource = /a\nbackups = /b\n\n[Data1]\nsource = /c\n");

        Assert.That(LoadError(path), Is.EqualTo(
            $"{path}:5: [Data1] and [data1] ({path}:1) differ only in case, and backup names are not case-sensitive; " +
            "spell both the same way or rename one"));
    }

    [Test]
    public void Sections_differing_only_in_case_across_files_are_refused_naming_both()
    {
        var first = Write("a.ini", "[data1]\nsource = /a\nbackups = /b\n");
        var second = Write("b.ini", "[DEFAULT]\ndecay = 2 years\n[DATA1]\nretain_all = 2 days\n");

        Assert.That(LoadError(first, second), Does.StartWith($"{second}:3: [DATA1] and [data1] ({first}:1) differ only in case"));
    }

    [Test]
    public void The_same_section_twice_in_one_file_is_refused_like_configparser()
    {
        var path = Write("a.ini", "[data1]\nsource = /a\n[data1]\nbackups = /b\n");

        Assert.That(LoadError(path), Is.EqualTo($"{path}:3: section [data1] appears twice in this file (first on line 1); merge the two"));
    }

    [Test]
    public void A_byte_order_mark_is_refused_with_a_hint()
    {
        var path = Path.Combine(Dir, "bom.ini");
        File.WriteAllText(path, "[data1]\nsource = /a\nbackups = /b\n", new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

        Assert.That(LoadError(path), Does.StartWith($"{path}:1: the file starts with a byte-order mark (U+FEFF)")
            .And.EndWith("save it without BOM (as plain UTF-8)"));
    }

    [Test]
    public void Invalid_utf8_is_refused_naming_the_line()
    {
        var path = Path.Combine(Dir, "latin1.ini");
        File.WriteAllBytes(path, [.. "[data1]\nsource = /caf"u8, 0xe9, .. "\nbackups = /b\n"u8]);

        Assert.That(LoadError(path), Is.EqualTo($"{path}:2: not valid UTF-8 (byte 0xe9 at offset 21); save the file as UTF-8"));
    }

    [TestCase("\r\n")]
    [TestCase("\r")]
    public void Crlf_and_lone_cr_end_lines(string newline)
    {
        var path = Write("a.ini", string.Join(newline, "[data1]", "source = /srv/data", "backups = /backups/data1", "ignore =", "  /a,", "  /b", ""));
        var data1 = Load(path).Get("data1");

        Assert.That(data1.Source, Is.EqualTo("/srv/data"));
        Assert.That(data1.Ignore, Is.EqualTo(new[] { "/a", "/b" }));
    }

    [Test]
    public void An_indented_header_continues_the_value_above_it()
    {
        var path = Write("a.ini", "[data1]\nsource = /srv/data\nbackups = /backups/data1\nignore = /a\n  [data2]\n");
        var config = Load(path);

        Assert.That(config.Backups.Keys, Is.EqualTo(new[] { "data1" }));
        Assert.That(config.Get("data1").Ignore, Is.EqualTo(new[] { "/a", "[data2]" }));
    }

    [Test]
    public void A_scalar_value_continued_on_an_indented_line_is_refused()
    {
        var path = Write("a.ini", "[data1]\nsource = /srv/data\n   /more\nbackups = /backups/data1\n");

        Assert.That(LoadError(path), Is.EqualTo(
            $"{path}:2: [data1] source spans several lines (a line indented deeper than its key continues the value); only 'ignore' and the hook commands may"));
    }

    [Test]
    public void Inline_comment_characters_are_part_of_the_value_as_in_configparser()
    {
        var path = Write("a.ini", "[data1]\nsource = /srv/data ; old\nbackups = /backups/data1\n");

        Assert.That(Load(path).Get("data1").Source, Is.EqualTo("/srv/data ; old"));
    }

    [Test]
    public void Quotes_removed_around_a_non_duration_value_are_noted_once_a_key()
    {
        var path = Write("a.ini", "[data1]\nsource = '/srv/data'\nbackups = \"/backups/data1\"\nretain_all = '2 days'\n" +
                                  "[data2]\nsource = '/srv/other'\nbackups = /backups/data2\n");
        var config = Load(path);

        Assert.That(config.Get("data1").Source, Is.EqualTo("/srv/data"));
        Assert.That(config.Warnings, Is.EqualTo(new[]
        {
            $"{path}:2: [data1] source = '/srv/data': the quotes are removed here " +
            "(configparser, and so snapshotbackup 0.0.16, keeps them as part of the value)",
            $"{path}:3: [data1] backups = \"/backups/data1\": the quotes are removed here " +
            "(configparser, and so snapshotbackup 0.0.16, keeps them as part of the value)",
        }));
    }

    [Test]
    public void A_quoted_boolean_keeps_its_sensible_meaning_and_the_difference_from_the_original_is_a_warning_once()
    {
        // The original: exactly 1, true or True, as configparser hands them over, quotes included: 'true' was false.
        var path = Write("a.ini", "[DEFAULT]\nautoprune = 'true'\n[data1]\nsource = /a\nbackups = /b\n" +
                                  "[data2]\nsource = /c\nbackups = /d\nautodecay = \"1\"\n[data3]\nsource = /e\nbackups = /f\nautodecay = 'no'\n");
        var config = Load(path);

        Assert.That(config.Get("data1").AutoPrune, Is.True);
        Assert.That(config.Get("data2").AutoPrune, Is.True);
        Assert.That(config.Get("data2").AutoDecay, Is.True);
        Assert.That(config.Get("data3").AutoDecay, Is.False);
        Assert.That(config.Warnings, Is.EqualTo(new[]
        {
            $"{path}:2: [DEFAULT] autoprune = 'true': true here, but snapshotbackup 0.0.16 read it as false (it kept the quotes); " +
            "autoprune now runs where it did not before",
            $"{path}:9: [data2] autodecay = \"1\": true here, but snapshotbackup 0.0.16 read it as false (it kept the quotes); " +
            "autodecay now runs where it did not before",
        }));
    }

    [Test]
    public void An_ignore_list_split_differently_from_the_original_is_a_warning_naming_the_key()
    {
        var path = Write("a.ini", "[data1]\nsource = /a\nbackups = /b\nignore = /a, \"/b, c\"\n" +
                                  "[data2]\nsource = /c\nbackups = /d\nignore = /x, /y\n");
        var config = Load(path);

        Assert.That(config.Get("data1").Ignore, Is.EqualTo(new[] { "/a", "/b, c" }));
        Assert.That(config.Warnings, Is.EqualTo(new[]
        {
            $"{path}:4: [data1] ignore = /a, \"/b, c\": excluded here as ['/a', '/b, c']; " +
            "snapshotbackup 0.0.16 split it at every comma into ['/a', '\"/b', 'c\"']",
        }));
    }

    [Test]
    public void Quoted_durations_alone_are_not_noted()
    {
        var path = Write("a.ini", "[DEFAULT]\nretain_all = '1 day'\n[data1]\nsource = /a\nbackups = /b\ndecay = \"2 years\"\n");

        Assert.That(Load(path).Warnings, Is.Empty);
    }

    [Test]
    public void A_percent_sign_is_taken_literally_and_noted_once()
    {
        var path = Write("a.ini", "[data1]\nsource = /srv/100%\nbackups = /backups/%(x)s\n");
        var config = Load(path);

        Assert.That(config.Get("data1").Backups, Is.EqualTo("/backups/%(x)s"));
        Assert.That(config.Warnings, Is.EqualTo(new[]
        {
            $"{path}:2: [data1] source = /srv/100%: '%' is taken literally here and in every other value " +
            "(configparser's interpolation would expand %(name)s and %%)",
        }));
    }

    [Test]
    public void Default_may_appear_in_several_files_and_twice_in_one()
    {
        var first = Write("a.ini", "[DEFAULT]\nbackups = /b\n[data1]\nsource = /a\n[DEFAULT]\ndecay = 3 years\n");
        var second = Write("b.ini", "[DEFAULT]\ndecay = 4 years\n");

        Assert.That(Load(first, second).Get("data1").Decay.ToString(), Is.EqualTo("4 years"));
    }
}
