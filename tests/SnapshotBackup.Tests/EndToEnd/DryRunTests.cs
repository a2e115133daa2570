using System.Text;
using SnapshotBackup.Cli;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.EndToEnd;

/// <summary>
/// <c>--dry-run</c> changes nothing, in every command: the two reproductions of issue 11 (prune and destroy deleted
/// with <c>--dry-run --yes</c>) and the guard: every command × every combination of the options that combine with
/// commands, with <c>--dry-run</c>, on a populated volume, compared with a full listing taken before.
/// </summary>
[NonParallelizable]
public class DryRunTests : VolumeTest
{
    private static readonly TimeSpan Utc = TimeSpan.Zero;

    /// <summary>The options of issue 11's guard, each as it is written on a command line.</summary>
    private static readonly string[][] Options = [["--yes"], ["--json"], ["-p"], ["--checksum"], ["--source", "SOURCE"], ["-d"]];

    private List<string> _oldBackups = [];

    /// <summary>
    /// A volume with everything a dry run could wrongly touch: a real backup (so .sync and the lock file exist), prune
    /// and decay candidates, an entry with a backup's name that is no snapshot, xattrs, and a second section whose
    /// backups directory does not exist yet (for setup).
    /// </summary>
    private void Populate()
    {
        WriteFile(Path.Combine(Source, "a.txt"), "alpha");
        WriteFile(Path.Combine(Source, "dir", "b.txt"), "beta");
        CliOk("setup", "data1");
        CliOk("backup", "data1");
        _oldBackups = [NameAt(400, new(9, 0, 0), Utc), NameAt(40, new(9, 0, 0), Utc), NameAt(40, new(10, 0, 0), Utc), NameAt(40, new(11, 0, 0), Utc)];
        foreach (var name in _oldBackups)
        {
            MakeSnapshot(name);
        }
        Directory.CreateDirectory(Path.Combine(Backups, NameAt(3, new(8, 0, 0), Utc)));
        Shell.Check("setfattr", "-n", "user.keep", "-v", "1", Path.Combine(Backups, ".sync", "a.txt"));
        Shell.Check("setfattr", "-n", "user.keep", "-v", "1", Backups);
        // The source changes after the backup, so a dry-run backup has something it would copy and delete.
        WriteFile(Path.Combine(Source, "new.txt"), "new");
        File.Delete(Path.Combine(Source, "dir", "b.txt"));
        File.AppendAllText(ConfigPath, $"\n[fresh]\nsource = {Source}\nbackups = {Path.Combine(Loop.Mount, "fresh", "backups")}\n");
    }

    [Test]
    public void Prune_with_dry_run_and_yes_deletes_nothing_and_says_what_it_would_delete_and_why()
    {
        Populate();
        var before = Listing();

        var result = CliOk("prune", "data1", "--dry-run", "--yes");

        Assert.That(Listing(), Is.EqualTo(before), "prune --dry-run --yes changed the volume");
        Assert.That(SnapshotNames(), Is.SupersetOf(_oldBackups));
        // The second and third backups of the day 40 days ago are prune candidates; each line names the reason.
        foreach (var name in _oldBackups.Skip(2))
        {
            Assert.That(result.Output, Does.Contain($"would delete {name}  (prune candidate: older than retain_all (1 day)"), result.ToString());
        }
        Assert.That(result.Output, Does.Not.Contain("deleted "), result.ToString());
        Assert.That(result.Output, Does.Contain("dry run: nothing was deleted"));
    }

    [Test]
    public void Decay_with_dry_run_and_yes_deletes_nothing_and_names_the_decay_candidates()
    {
        Populate();
        var before = Listing();

        var result = CliOk("decay", "data1", "--dry-run", "--yes");

        Assert.That(Listing(), Is.EqualTo(before), "decay --dry-run --yes changed the volume");
        Assert.That(result.Output, Does.Contain($"would delete {_oldBackups[0]}  (decay candidate: older than decay (1 year))"), result.ToString());
        Assert.That(result.Output.Split('\n').Count(l => l.StartsWith("would delete", StringComparison.Ordinal)), Is.EqualTo(1), result.ToString());
    }

    [Test]
    public void Destroy_with_dry_run_and_yes_keeps_every_backup_and_lists_them()
    {
        Populate();
        var before = Listing();

        var result = CliOk("destroy", "data1", "--dry-run", "--yes");

        Assert.That(Listing(), Is.EqualTo(before), "destroy --dry-run --yes changed the volume");
        Assert.That(SnapshotNames(), Has.Count.EqualTo(5));
        foreach (var name in SnapshotNames())
        {
            Assert.That(result.Output, Does.Contain($"would delete {name}  (destroy: every backup of data1)"));
        }
        Assert.That(result.Output, Does.Contain("would delete .sync"));
        Assert.That(result.Output, Does.Contain("destroy would leave it in place: it holds 1 entries that are not backups"));
    }

    [Test]
    public void Clean_and_setup_with_dry_run_say_what_they_would_do_and_do_nothing()
    {
        Populate();
        var before = Listing();

        var clean = CliOk("clean", "data1", "--dry-run");
        var setup = CliOk("setup", "fresh", "--dry-run");

        Assert.That(Listing(), Is.EqualTo(before));
        Assert.That(clean.Output, Does.Contain("would delete .sync"));
        Assert.That(setup.Error, Does.Contain("would create backups directory"));
        Assert.That(Directory.Exists(Path.Combine(Loop.Mount, "fresh")), Is.False);
    }

    [Test]
    public void Backup_with_dry_run_lists_the_changes_and_writes_nothing_even_without_sync()
    {
        Populate();
        CliOk("clean", "data1");
        var before = Listing();

        var result = CliOk("backup", "data1", "--dry-run");

        Assert.That(Listing(), Is.EqualTo(before));
        // Compared with the newest backup (what .sync would be made from): one file new, one deleted.
        Assert.That(result.Output, Does.Contain(">f+++++++++ new.txt"), result.ToString());
        Assert.That(result.Output, Does.Contain("*deleting   dir/b.txt"), result.ToString());
        Assert.That(result.Output, Does.Not.Contain("a.txt"), result.ToString());
    }

    [TestCase("list")]
    [TestCase("status")]
    [TestCase("notify-test")]
    public void A_command_for_which_a_dry_run_means_nothing_refuses_it_with_exit_2(string command)
    {
        var result = Cli(command, "data1", "--dry-run");
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Error, Does.Contain($"'{command}' does not take --dry-run"));
    }

    /// <summary>
    /// Every command × every subset of the six options, with --dry-run: each run is either refused with exit 2 (the
    /// command does not take one of the options, or a dry run means nothing for it) or succeeds; no run changes a
    /// subvolume, file, xattr, mode, owner or mtime on the volume or in the source.
    /// </summary>
    [Test]
    public async Task Every_command_with_every_option_combination_and_dry_run_changes_nothing()
    {
        Populate();
        var otherSource = Path.Combine(Loop.Root, "other-source");
        WriteFile(Path.Combine(otherSource, "c.txt"), "gamma");
        var before = Listing();
        var commands = new[] { "setup", "backup", "list", "prune", "decay", "destroy", "clean", "status", "notify-test" };
        int runs = 0, succeeded = 0, refused = 0;
        var state = Path.Combine(Loop.Root, "state.json");
        foreach (var command in commands)
        {
            for (var mask = 0; mask < 1 << Options.Length; mask++)
            {
                var args = new List<string> { "-c", ConfigPath, command, command == "setup" ? "fresh" : "data1", "--dry-run" };
                if (command == "status")
                {
                    args.AddRange(["--state-file", state]);
                }
                for (var i = 0; i < Options.Length; i++)
                {
                    if ((mask & (1 << i)) != 0)
                    {
                        args.AddRange(Options[i].Select(o => o == "SOURCE" ? otherSource : o));
                    }
                }
                var expectOk = CliArguments.CommandOptions[command].Contains("--dry-run")
                    && Options.Where((_, i) => (mask & (1 << i)) != 0).All(o => o[0] is "-d" or "--yes" || CliArguments.CommandOptions[command].Contains(LongName(o[0])));
                using var output = new StringWriter();
                using var error = new StringWriter();
                var exit = await SnapshotBackup.Cli.Program.RunAsync([.. args], output, error, CancellationToken.None);
                runs++;
                var what = $"{string.Join(' ', args.Skip(2))}: exit {exit}\n{output}\n{error}";
                Assert.That(exit, Is.EqualTo(expectOk ? 0 : 2), what);
                if (exit == 0)
                {
                    succeeded++;
                }
                else
                {
                    refused++;
                    Assert.That(error.ToString(), Does.StartWith("error: '" + command + "' does not take "), what);
                }
                Assert.That(Listing(), Is.EqualTo(before), "changed the volume or the source: " + what);
            }
        }
        Assert.That(File.Exists(state), Is.False);
        TestContext.Out.WriteLine($"dry-run guard: {runs} command lines ({commands.Length} commands x {1 << Options.Length} option sets), " +
                                  $"{succeeded} ran, {refused} refused with exit 2, 0 changes to the volume");
    }

    private static string LongName(string option) => option switch
    {
        "-p" => "--progress",
        _ => option,
    };

    /// <summary>
    /// Everything under the btrfs mount and the source: path, type, mode, owner, size, mtime to the nanosecond, symlink
    /// target, xattrs (names and values), and each subvolume with its read-only flag. Not atime, not generations.
    /// </summary>
    private string Listing()
    {
        var text = new StringBuilder();
        foreach (var root in new[] { Loop.Mount, Source })
        {
            text.Append(Shell.Run("find", root, "-path", Path.Combine(Loop.Mount, "lost+found"), "-prune", "-o",
                "-printf", "%p %y %m %U:%G %s %T@ %l\n").Output);
            text.Append(Shell.Run("getfattr", "-R", "-d", "-h", "-m", "-", "-e", "hex", "--absolute-names", root).Output);
        }
        // "ID 257 gen 9 top level 5 path backups/data1/.sync": the generation moves with atime updates; the rest must not.
        static IEnumerable<string> Subvolumes(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ')[1] + l[l.IndexOf(" top level ", StringComparison.Ordinal)..]);
        foreach (var subvolume in Subvolumes(Shell.Run("btrfs", "subvolume", "list", Loop.Mount).Output))
        {
            text.Append("subvolume ").Append(subvolume).Append('\n');
        }
        foreach (var subvolume in Subvolumes(Shell.Run("btrfs", "subvolume", "list", "-r", Loop.Mount).Output))
        {
            text.Append("read-only ").Append(subvolume).Append('\n');
        }
        return text.ToString();
    }
}
