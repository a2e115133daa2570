using SnapshotBackup.Core;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.EndToEnd;

/// <summary>
/// A config of snapshotbackup 0.0.16's users, as they wrote it, read by the real command: relative paths (its own demo
/// config), the user's file winning over the system's, XDG_CONFIG_DIRS, values that meant something else there.
/// </summary>
public class DropInConfigTests : VolumeTest
{
    /// <summary>The command run in <paramref name="workingDirectory"/> with <paramref name="environment"/> (config found by the search, no -c).</summary>
    private static Shell.Result CliIn(string workingDirectory, IDictionary<string, string> environment, params string[] args) =>
        Shell.Run("env", ["-C", workingDirectory, "dotnet", CliProcess.Dll, .. args], environment, TimeSpan.FromMinutes(3));

    private Dictionary<string, string> XdgEnvironment(string home, string dirs) => new()
    {
        ["XDG_CONFIG_HOME"] = Path.Combine(home, ".config"),
        ["XDG_CONFIG_DIRS"] = dirs,
        ["HOME"] = home,
        ["XDG_STATE_HOME"] = Path.Combine(Loop.Root, "state"),
    };

    [Test]
    public void Relative_source_and_backups_resolve_against_the_working_directory_as_in_the_original_demo()
    {
        // demo/config.ini of the original: "source = snapshotbackup", run from the directory that holds it.
        var work = Path.Combine(Loop.Root, "work");
        Directory.CreateDirectory(Path.Combine(work, "snapshotbackup"));
        File.WriteAllText(Path.Combine(work, "snapshotbackup", "file.txt"), "demo");
        Directory.CreateDirectory(Path.Combine(Loop.Mount, "demo"));
        var relativeBackups = Path.GetRelativePath(work, Path.Combine(Loop.Mount, "demo", "backups"));
        File.WriteAllText(ConfigPath, $"[demo]\nsource = snapshotbackup\nbackups = {relativeBackups}\n");
        var environment = new Dictionary<string, string> { ["XDG_STATE_HOME"] = Path.Combine(Loop.Root, "state") };

        var setup = CliIn(work, environment, "-c", ConfigPath, "setup", "demo");
        var backup = CliIn(work, environment, "-c", ConfigPath, "backup", "demo");

        Assert.That(setup.ExitCode, Is.Zero, setup.ToString());
        Assert.That(backup.ExitCode, Is.Zero, backup.ToString());
        var created = backup.Output.Trim();
        Assert.That(File.ReadAllText(Path.Combine(Loop.Mount, "demo", "backups", created, "file.txt")), Is.EqualTo("demo"));
        Assert.That(backup.Error, Does.Contain($"backing up {Path.Combine(work, "snapshotbackup")}"), "the path as resolved");
        Assert.That(CliIn(work, environment, "-c", ConfigPath, "list", "demo").Output, Does.Contain(created));
    }

    [Test]
    public void The_users_own_file_wins_over_xdg_config_dirs_and_d_shows_the_files_most_important_first()
    {
        // The admin's file (as in XDG_CONFIG_DIRS) sends data1 elsewhere; the user's file says where theirs go.
        var home = Path.Combine(Loop.Root, "home");
        var user = Path.Combine(home, ".config", "snapshotbackup.ini");
        var system = Path.Combine(Loop.Root, "xdg", "snapshotbackup.ini");
        Directory.CreateDirectory(Path.GetDirectoryName(user)!);
        Directory.CreateDirectory(Path.GetDirectoryName(system)!);
        var adminBackups = Path.Combine(Loop.Mount, "admin");
        File.WriteAllText(system, $"[DEFAULT]\nbackups = {adminBackups}\n[data1]\nsource = {Source}\nbackups = {adminBackups}\n");
        File.WriteAllText(user, $"[data1]\nbackups = {Backups}\n");
        File.WriteAllText(Path.Combine(Source, "a"), "a");
        var environment = XdgEnvironment(home, Path.Combine(Loop.Root, "xdg"));

        var setup = CliIn(Loop.Root, environment, "setup", "data1", "-d");
        var backup = CliIn(Loop.Root, environment, "backup", "data1");

        Assert.That(setup.ExitCode, Is.Zero, setup.ToString());
        Assert.That(setup.Error, Does.Contain($"configuration read from {user} > {system} (most important first)"), setup.ToString());
        Assert.That(backup.ExitCode, Is.Zero, backup.ToString());
        Assert.That(SnapshotNames(), Has.Count.EqualTo(1), "the backup went to the user's directory");
        Assert.That(Directory.Exists(adminBackups), Is.False, "not the admin's");
    }

    [Test]
    public void A_quoted_boolean_warns_once_naming_the_key_and_keeps_its_sensible_meaning()
    {
        WriteConfig("autoprune = 'true'\nautodecay = 'true'");
        File.WriteAllText(Path.Combine(Source, "a"), "a");
        CliOk("setup", "data1");

        var result = Cli("backup", "data1");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var lines = result.Error.Split('\n');
        Assert.That(lines.Count(l => l.StartsWith("warning: ", StringComparison.Ordinal) && l.Contains("autoprune = 'true': true here, but snapshotbackup 0.0.16 read it as false")),
            Is.EqualTo(1), result.Error);
        Assert.That(lines.Count(l => l.Contains("autodecay = 'true': true here")), Is.EqualTo(1), result.Error);
    }

    [Test]
    public void The_daemon_refuses_a_relative_path_with_exit_2_and_says_to_write_an_absolute_one()
    {
        File.WriteAllText(ConfigPath, $"[data1]\nsource = relative/source\nbackups = {Backups}\n");

        var result = Shell.Run(DaemonProcess.Executable, ["-c", ConfigPath, "--state-file", Path.Combine(Loop.Root, "state.json"), "--log", "console"],
            null, TimeSpan.FromMinutes(1));

        Assert.That(result.ExitCode, Is.EqualTo(ExitCodes.Usage), result.ToString());
        Assert.That(result.ToString(), Does.Contain("[data1] source = 'relative/source': a relative path, and the daemon has no working directory to resolve it against; write an absolute path"));
    }
}
