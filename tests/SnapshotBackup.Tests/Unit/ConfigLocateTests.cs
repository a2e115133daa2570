using SnapshotBackup.Core.Configuration;

namespace SnapshotBackup.Tests.Unit;

public class ConfigLocateTests : ConfigTestBase
{
    private string Etc => Path.Combine(Dir, "etc");

    private Func<string, string?> Env(string? xdg = null, string? home = null, string? dirs = null) => name => name switch
    {
        "XDG_CONFIG_HOME" => xdg,
        "HOME" => home,
        // Unset would mean /etc/xdg on this machine: point it into the test directory unless a test sets it.
        "XDG_CONFIG_DIRS" => dirs ?? Path.Combine(Dir, "nowhere"),
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
    public void Etc_then_drop_ins_in_ordinal_order_then_xdg_config_dirs_then_the_users_file_which_wins()
    {
        var user = Write("xdg/snapshotbackup.ini", "");
        var first = Write("dirs1/snapshotbackup.ini", "");
        var second = Write("dirs2/snapshotbackup.ini", "");
        var etc = Write("etc/snapshotbackup.ini", "");
        var b = Write("etc/snapshotbackup.d/B.ini", "");
        var twenty = Write("etc/snapshotbackup.d/20-b.ini", "");
        var ten = Write("etc/snapshotbackup.d/10-a.ini", "");
        var a = Write("etc/snapshotbackup.d/a.ini", "");
        Write("etc/snapshotbackup.d/notes.txt", "");
        Write("etc/snapshotbackup.d/old.ini.bak", "");
        var dirs = $"{Path.Combine(Dir, "dirs1")}:relative/ignored:{Path.Combine(Dir, "dirs2")}";

        var (files, searched) = ConfigLoader.Locate([], Env(xdg: Path.Combine(Dir, "xdg"), home: "/nonexistent", dirs: dirs), Etc);

        Assert.That(files, Is.EqualTo(new[] { etc, ten, twenty, b, a, second, first, user }), "reading order: the last wins");
        Assert.That(searched, Is.EqualTo(new[]
        {
            user, first, second, Path.Combine(Etc, "snapshotbackup.d", "*.ini"), etc,
        }), "most important first");
        Assert.That(ConfigLoader.Precedence(files), Is.EqualTo(string.Join(" > ", new[] { user, first, second, a, b, twenty, ten, etc })));
    }

    [Test]
    public void The_users_file_wins_over_etc_and_xdg_config_dirs_key_by_key()
    {
        // A user's backup went to the admin's directory when /etc overrode the user's file.
        Write("etc/snapshotbackup.ini", "[DEFAULT]\nbackups = /admin\nretain_all = 5 days\n[data1]\nsource = /etc-source\n");
        Write("etc/snapshotbackup.d/10-x.ini", "[data1]\nbackups = /dropin\n");
        Write("dirs/snapshotbackup.ini", "[data1]\nretain_all = 4 days\n");
        var user = Write("xdg/snapshotbackup.ini", "[data1]\nbackups = /home/me/backups\n");

        var (files, searched) = ConfigLoader.Locate([], Env(xdg: Path.Combine(Dir, "xdg"), dirs: Path.Combine(Dir, "dirs")), Etc);
        var data1 = ConfigLoader.Load(files, searched).Get("data1");

        Assert.That(data1.Backups, Is.EqualTo("/home/me/backups"));
        Assert.That(data1.KeyOrigins["backups"], Is.EqualTo(user));
        Assert.That(data1.RetainAll.ToString(), Is.EqualTo("4 days"), "XDG_CONFIG_DIRS wins over /etc");
        Assert.That(data1.Source, Is.EqualTo("/etc-source"), "what only /etc sets still counts");
    }

    [Test]
    public void Xdg_config_dirs_defaults_to_etc_xdg()
    {
        var (_, searched) = ConfigLoader.Locate([], name => name == "XDG_CONFIG_HOME" ? Path.Combine(Dir, "xdg") : null, Etc);

        Assert.That(searched, Is.EqualTo(new[]
        {
            Path.Combine(Dir, "xdg", "snapshotbackup.ini"), "/etc/xdg/snapshotbackup.ini",
            Path.Combine(Etc, "snapshotbackup.d", "*.ini"), Path.Combine(Etc, "snapshotbackup.ini"),
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
            Path.Combine(Dir, "nowhere", "snapshotbackup.ini"),
            Path.Combine(Etc, "snapshotbackup.d", "*.ini"),
            Path.Combine(Etc, "snapshotbackup.ini"),
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
