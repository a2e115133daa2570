using SnapshotBackup.Core.Configuration;

namespace SnapshotBackup.Tests.Unit;

public class ConfigLocateTests : ConfigTestBase
{
    private string Etc => Path.Combine(Dir, "etc");

    private static Func<string, string?> Env(string? xdg = null, string? home = null) => name => name switch
    {
        "XDG_CONFIG_HOME" => xdg,
        "HOME" => home,
        _ => null,
    };

    [Test]
    public void An_explicit_path_is_the_only_file()
    {
        var path = Write("custom.ini", "[data1]\n");
        Write("etc/snapshotbackup.ini", "[data2]\n");

        var (files, searched) = ConfigLoader.Locate(path, Env(), Etc);

        Assert.That(files, Is.EqualTo(new[] { path }));
        Assert.That(searched, Is.EqualTo(new[] { path }));
    }

    [Test]
    public void A_missing_explicit_path_is_an_error()
    {
        var path = Path.Combine(Dir, "missing.ini");

        Assert.That(() => ConfigLoader.Locate(path, Env(), Etc), Throws.TypeOf<ConfigException>()
            .With.Message.EqualTo($"config file {path} not found"));
    }

    [Test]
    public void A_directory_given_as_the_config_file_says_it_is_a_directory()
    {
        var path = Path.Combine(Dir, "etc");
        Directory.CreateDirectory(path);

        Assert.That(() => ConfigLoader.Locate(path, Env(), Etc), Throws.TypeOf<ConfigException>()
            .With.Message.EqualTo($"config file {path} is a directory; give the .ini file in it"));
    }

    [Test]
    public void Several_explicit_paths_are_read_in_order_the_later_overriding_key_by_key()
    {
        var first = Write("a.ini", "[data1]\nsource = /a\nbackups = /b\nretain_all = 1 day\n");
        var second = Write("b.ini", "[data1]\nretain_all = 2 days\n");
        Write("etc/snapshotbackup.ini", "[data2]\n");

        var (files, searched) = ConfigLoader.Locate([first, second], Env(), Etc);
        var data1 = ConfigLoader.Load(files, searched).Get("data1");

        Assert.That(files, Is.EqualTo(new[] { first, second }));
        Assert.That(data1.RetainAll.ToString(), Is.EqualTo("2 days"));
        Assert.That(data1.Source, Is.EqualTo("/a"));
    }

    [Test]
    public void A_missing_one_among_several_explicit_paths_is_an_error()
    {
        var first = Write("a.ini", "[data1]\n");
        var missing = Path.Combine(Dir, "missing.ini");

        Assert.That(() => ConfigLoader.Locate([first, missing], Env(), Etc), Throws.TypeOf<ConfigException>()
            .With.Message.EqualTo($"config file {missing} not found"));
    }

    [Test]
    public void Xdg_config_home_then_etc_then_drop_ins_in_ordinal_order()
    {
        var user = Write("xdg/snapshotbackup.ini", "");
        var etc = Write("etc/snapshotbackup.ini", "");
        var b = Write("etc/snapshotbackup.d/B.ini", "");
        var twenty = Write("etc/snapshotbackup.d/20-b.ini", "");
        var ten = Write("etc/snapshotbackup.d/10-a.ini", "");
        var a = Write("etc/snapshotbackup.d/a.ini", "");
        Write("etc/snapshotbackup.d/notes.txt", "");
        Write("etc/snapshotbackup.d/old.ini.bak", "");

        var (files, searched) = ConfigLoader.Locate([], Env(xdg: Path.Combine(Dir, "xdg"), home: "/nonexistent"), Etc);

        Assert.That(files, Is.EqualTo(new[] { user, etc, ten, twenty, b, a }));
        Assert.That(searched, Is.EqualTo(new[]
        {
            user, etc, Path.Combine(Etc, "snapshotbackup.d", "*.ini"),
        }));
    }

    [Test]
    public void Home_dot_config_is_used_when_xdg_config_home_is_unset()
    {
        var user = Write("home/.config/snapshotbackup.ini", "");

        var (files, searched) = ConfigLoader.Locate([], Env(home: Path.Combine(Dir, "home")), Etc);

        Assert.That(files, Is.EqualTo(new[] { user }));
        Assert.That(searched, Has.Member(user));
    }

    [Test]
    public void Only_existing_files_are_returned_but_all_paths_are_searched()
    {
        var (files, searched) = ConfigLoader.Locate([], Env(xdg: Path.Combine(Dir, "xdg")), Etc);

        Assert.That(files, Is.Empty);
        Assert.That(searched, Is.EqualTo(new[]
        {
            Path.Combine(Dir, "xdg", "snapshotbackup.ini"),
            Path.Combine(Etc, "snapshotbackup.ini"),
            Path.Combine(Etc, "snapshotbackup.d", "*.ini"),
        }));
        Assert.That(() => ConfigLoader.Load(files, searched), Throws.TypeOf<ConfigException>()
            .With.Message.Contains(Path.Combine(Etc, "snapshotbackup.d", "*.ini")));
    }

    [Test]
    public void Located_drop_ins_override_the_main_file()
    {
        Write("etc/snapshotbackup.ini", "[DEFAULT]\nbackups = /backups\n[data1]\nsource = /a\nretain_all = 1 day\n");
        Write("etc/snapshotbackup.d/10-x.ini", "[data1]\nretain_all = 2 days\n");
        Write("etc/snapshotbackup.d/20-y.ini", "[data1]\nretain_all = 3 days\n");

        var (files, searched) = ConfigLoader.Locate([], Env(), Etc);
        var data1 = ConfigLoader.Load(files, searched).Get("data1");

        Assert.That(data1.RetainAll.ToString(), Is.EqualTo("3 days"));
        Assert.That(data1.KeyOrigins["retain_all"], Is.EqualTo(Path.Combine(Etc, "snapshotbackup.d", "20-y.ini")));
    }
}
