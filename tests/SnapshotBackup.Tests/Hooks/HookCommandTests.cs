using System.Diagnostics;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.Hooks;

/// <summary>
/// The hooks through the real command on a real btrfs volume: what they are told and where they run, that nothing of
/// ours is spliced into their command line, failure and timeout semantics, the prune hooks around autoprune and the
/// prune and decay commands, dry runs, -d and bad hook_timeout values. Hooks write what they see into
/// <c>$HOOKS_OUT</c>, a directory the test passes in the command's environment.
/// </summary>
public class HookCommandTests : VolumeTest
{
    private static readonly TimeSpan Utc = TimeSpan.Zero;

    private string Out => Path.Combine(Loop.Root, "hooks-out");

    [SetUp]
    public void CreateDirectories()
    {
        Directory.CreateDirectory(Out);
        Directory.CreateDirectory(Backups);
    }

    private Shell.Result Run(params string[] args) =>
        // A stale variable of ours in the caller's environment: the hooks must see only what this run says.
        CliProcess.Run(new Dictionary<string, string> { ["HOOKS_OUT"] = Out, ["SNAPSHOTBACKUP_SNAPSHOT"] = "stale-from-the-caller" }, ["-c", ConfigPath, .. args]);

    private Shell.Result RunOk(params string[] args)
    {
        var result = Run(args);
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        return result;
    }

    private string ReadOut(string name) => File.ReadAllText(Path.Combine(Out, name));

    private Dictionary<string, string> ReadEnv(string name) =>
        ReadOut(name).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.StartsWith("SNAPSHOTBACKUP_", StringComparison.Ordinal))
            .Select(l => l.Split('=', 2))
            .ToDictionary(p => p[0], p => p[1]);

    private static bool Alive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Three hand-made backups on one day ten days ago: the later two are prune candidates.</summary>
    private List<string> MakeOldBackups()
    {
        CreateSyncByHand();
        var names = new[] { new TimeSpan(10, 0, 0), new TimeSpan(10, 5, 0), new TimeSpan(10, 10, 0) }.Select(t => NameAt(10, t, Utc)).ToList();
        foreach (var name in names)
        {
            MakeSnapshot(name);
        }
        return names;
    }

    [Test]
    public void Hooks_are_told_what_happens_through_variables_and_run_in_the_source()
    {
        WriteFile(Path.Combine(Source, "a.txt"), "alpha");
        WriteConfig("""
            before_backup = env > "$HOOKS_OUT/before"; pwd > "$HOOKS_OUT/before.pwd"; echo dumped > dump.txt
            after_backup = env > "$HOOKS_OUT/after"; pwd > "$HOOKS_OUT/after.pwd"
            """);

        var result = RunOk("backup", "data1");

        var snapshot = result.Output.Trim();
        Assert.That(SnapshotNames(), Is.EqualTo(new[] { snapshot }));
        Assert.That(File.ReadAllText(Path.Combine(Backups, snapshot, "dump.txt")), Is.EqualTo("dumped\n"), "before_backup ran in the source, before rsync");
        Assert.That(ReadOut("before.pwd"), Is.EqualTo(Source + "\n"));
        Assert.That(ReadOut("after.pwd"), Is.EqualTo(Source + "\n"));
        Assert.That(ReadEnv("before"), Is.EqualTo(new Dictionary<string, string>
        {
            ["SNAPSHOTBACKUP_NAME"] = "data1",
            ["SNAPSHOTBACKUP_SOURCE"] = Source,
            ["SNAPSHOTBACKUP_BACKUPS"] = Backups,
            ["SNAPSHOTBACKUP_HOOK"] = "before_backup",
        }));
        Assert.That(ReadEnv("after"), Is.EqualTo(new Dictionary<string, string>
        {
            ["SNAPSHOTBACKUP_NAME"] = "data1",
            ["SNAPSHOTBACKUP_SOURCE"] = Source,
            ["SNAPSHOTBACKUP_BACKUPS"] = Backups,
            ["SNAPSHOTBACKUP_HOOK"] = "after_backup",
            ["SNAPSHOTBACKUP_SNAPSHOT"] = snapshot,
            ["SNAPSHOTBACKUP_OUTCOME"] = "succeeded",
        }));
    }

    [Test]
    public void With_source_the_hooks_get_the_source_backed_up()
    {
        var other = Path.Combine(Loop.Root, "other source");
        WriteFile(Path.Combine(other, "b.txt"), "beta");
        WriteConfig("""
            before_backup = pwd > "$HOOKS_OUT/pwd"; echo "$SNAPSHOTBACKUP_SOURCE" > "$HOOKS_OUT/source"
            """);

        RunOk("backup", "data1", "--source", other);

        Assert.That(ReadOut("pwd"), Is.EqualTo(other + "\n"));
        Assert.That(ReadOut("source"), Is.EqualTo(other + "\n"));
    }

    [Test]
    public void A_hook_may_span_lines_and_keeps_its_quotes()
    {
        WriteFile(Path.Combine(Source, "a.txt"), "alpha");
        WriteConfig("""
            before_backup = echo 'one' > "$HOOKS_OUT/script"
                if [ -d "$SNAPSHOTBACKUP_SOURCE" ]; then
                    echo "two  spaces" >> "$HOOKS_OUT/script"
                fi
            """);

        RunOk("backup", "data1");

        Assert.That(ReadOut("script"), Is.EqualTo("one\ntwo  spaces\n"));
    }

    [Test]
    public void Paths_and_error_text_reach_the_hooks_only_as_data()
    {
        // Every one of these would create a file in $HOOKS_OUT if it were ever run by a shell.
        const string Evil = "s $(cd $HOOKS_OUT; touch M1) ; cd $HOOKS_OUT; touch M2 'q\" `cd $HOOKS_OUT; touch M3` &";
        var source = Path.Combine(Loop.Root, Evil);
        var backups = Path.Combine(Loop.Mount, "b;$(cd $HOOKS_OUT; touch M4)");
        Directory.CreateDirectory(source);
        Directory.CreateDirectory(backups);
        File.WriteAllText(Path.Combine(source, "a.txt"), "alpha");
        File.WriteAllText(ConfigPath, $"""
            [data1]
            source = {source}
            backups = {backups}
            before_backup = echo "$SNAPSHOTBACKUP_SOURCE" > "$HOOKS_OUT/source"; echo "$SNAPSHOTBACKUP_BACKUPS" > "$HOOKS_OUT/backups"; pwd > "$HOOKS_OUT/pwd"; echo 'out $(cd $HOOKS_OUT; touch M5)'; exit 1
            on_failure = echo "$SNAPSHOTBACKUP_ERROR" > "$HOOKS_OUT/error"; echo "$SNAPSHOTBACKUP_OUTCOME" > "$HOOKS_OUT/outcome"
            """);

        var result = Run("backup", "data1");

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(ReadOut("source"), Is.EqualTo(source + "\n"));
        Assert.That(ReadOut("backups"), Is.EqualTo(backups + "\n"));
        Assert.That(ReadOut("pwd"), Is.EqualTo(source + "\n"));
        Assert.That(ReadOut("outcome"), Is.EqualTo("failed\n"));
        Assert.That(ReadOut("error"), Does.Contain("before_backup hook failed with exit code 1").And.Contain("out $(cd $HOOKS_OUT; touch M5)"));
        Assert.That(Directory.GetFiles(Out).Select(Path.GetFileName), Is.EquivalentTo(new[] { "source", "backups", "pwd", "error", "outcome" }),
            "no marker file: nothing was executed");
    }

    [Test]
    public void A_failing_before_backup_takes_no_backup_leaves_sync_untouched_and_fails_with_its_output()
    {
        WriteFile(Path.Combine(Source, "a.txt"), "alpha");
        var first = CliOk("backup", "data1").Output.Trim();
        var sync = Path.Combine(Backups, ".sync");
        var syncBefore = Directory.GetFileSystemEntries(sync).Order(StringComparer.Ordinal).ToList();
        var syncTime = Directory.GetLastWriteTimeUtc(sync);
        WriteFile(Path.Combine(Source, "new.txt"), "beta");
        WriteConfig("""
            before_backup = echo starting; echo 'pg_dump: error: connection refused' >&2; exit 3
            on_failure = echo "$SNAPSHOTBACKUP_OUTCOME" > "$HOOKS_OUT/outcome"
            """);

        var result = Run("backup", "data1");

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Output, Is.Empty);
        Assert.That(result.Error, Does.Contain("before_backup hook failed with exit code 3"));
        Assert.That(result.Error, Does.Contain("its last output: starting | pg_dump: error: connection refused; no backup taken"));
        Assert.That(SnapshotNames(), Is.EqualTo(new[] { first }));
        Assert.That(Directory.GetFileSystemEntries(sync).Order(StringComparer.Ordinal), Is.EqualTo(syncBefore), ".sync untouched");
        Assert.That(Directory.GetLastWriteTimeUtc(sync), Is.EqualTo(syncTime));
        Assert.That(ReadOut("outcome"), Is.EqualTo("failed\n"));
    }

    [Test]
    public void A_before_backup_that_times_out_is_stopped_with_its_whole_process_group()
    {
        WriteFile(Path.Combine(Source, "a.txt"), "alpha");
        WriteConfig("""
            hook_timeout = 2 seconds
            before_backup = sleep 1000 & echo $$ $! > "$HOOKS_OUT/pids"; sleep 1000
            """);

        var clock = Stopwatch.StartNew();
        var result = Run("backup", "data1");
        clock.Stop();

        var pids = ReadOut("pids").Split(' ', StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        try
        {
            Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
            Assert.That(result.Error, Does.Contain("before_backup hook did not finish within 2 s (hook_timeout) and was stopped; no backup taken"));
            Assert.That(SnapshotNames(), Is.Empty);
            Assert.That(Poll.Until(() => !pids.Any(Alive), TimeSpan.FromSeconds(10)), Is.True, "the shell and its background sleep are gone");
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(100)), "stopped, not waited for");
        }
        finally
        {
            foreach (var pid in pids.Where(Alive))
            {
                Process.GetProcessById(pid).Kill();
            }
        }
    }

    [Test]
    public void A_failing_after_backup_is_a_warning_on_a_successful_backup()
    {
        WriteFile(Path.Combine(Source, "a.txt"), "alpha");
        WriteConfig("""
            after_backup = echo 'upload failed: no route' >&2; exit 5
            on_failure = touch "$HOOKS_OUT/on_failure"
            """);

        var result = RunOk("backup", "data1");

        Assert.That(SnapshotNames(), Is.EqualTo(new[] { result.Output.Trim() }));
        Assert.That(result.Error, Does.Contain("warning: backup data1: after_backup hook failed with exit code 5").And.Contain("upload failed: no route"));
        Assert.That(File.Exists(Path.Combine(Out, "on_failure")), Is.False, "a warning is no failure");
    }

    [Test]
    public void A_failing_before_prune_skips_autoprune()
    {
        var old = MakeOldBackups();
        WriteConfig("""
            autoprune = true
            before_prune = echo 'not now' >&2; exit 1
            after_prune = touch "$HOOKS_OUT/after_prune"
            """);

        var result = Run("backup", "data1");

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Error, Does.Contain("before_prune hook failed with exit code 1").And.Contain("not now; nothing deleted"));
        var snapshot = result.Output.Trim();
        Assert.That(SnapshotNames(), Is.EqualTo(old.Append(snapshot)), "the backup is taken, nothing deleted");
        Assert.That(File.Exists(Path.Combine(Out, "after_prune")), Is.False);
    }

    [Test]
    public void Autoprune_runs_between_the_prune_hooks_and_after_prune_is_told_what_was_deleted()
    {
        var old = MakeOldBackups();
        WriteConfig("""
            autoprune = true
            before_prune = ls "$SNAPSHOTBACKUP_BACKUPS" > "$HOOKS_OUT/before_prune"
            after_prune = env > "$HOOKS_OUT/after_prune"
            """);

        var result = RunOk("backup", "data1");

        var snapshot = result.Output.Trim();
        Assert.That(SnapshotNames(), Is.EqualTo(new[] { old[0], snapshot }));
        Assert.That(ReadOut("before_prune"), Does.Contain(old[1]), "before_prune ran before anything was deleted");
        var env = ReadEnv("after_prune");
        Assert.That(env["SNAPSHOTBACKUP_HOOK"], Is.EqualTo("after_prune"));
        Assert.That(env["SNAPSHOTBACKUP_OUTCOME"], Is.EqualTo("succeeded"));
        Assert.That(env["SNAPSHOTBACKUP_DELETED"].Split(' '), Is.EquivalentTo(new[] { old[1], old[2] }));
    }

    [Test]
    public void The_prune_command_runs_the_prune_hooks_and_its_dry_run_none()
    {
        var old = MakeOldBackups();
        WriteConfig("""
            before_prune = ls "$SNAPSHOTBACKUP_BACKUPS" > "$HOOKS_OUT/before_prune"
            after_prune = echo "$SNAPSHOTBACKUP_DELETED" > "$HOOKS_OUT/after_prune"
            """);

        var dryRun = RunOk("prune", "data1", "--dry-run");
        Assert.That(dryRun.Error, Does.Contain("dry run: the before_prune hook is not run").And.Contain("dry run: the after_prune hook is not run"));
        Assert.That(Directory.GetFiles(Out), Is.Empty);
        Assert.That(SnapshotNames(), Is.EqualTo(old));

        RunOk("prune", "data1", "--yes");

        // The newest backup is never pruned.
        Assert.That(SnapshotNames(), Is.EqualTo(new[] { old[0], old[2] }));
        Assert.That(ReadOut("before_prune"), Does.Contain(old[1]));
        Assert.That(ReadOut("after_prune"), Is.EqualTo(old[1] + "\n"));
    }

    [Test]
    public void A_failing_before_prune_stops_the_decay_command_before_anything_is_deleted()
    {
        CreateSyncByHand();
        var old = new[] { NameAt(400, new(9, 0, 0), Utc), NameAt(3, new(9, 0, 0), Utc) };
        foreach (var name in old)
        {
            MakeSnapshot(name);
        }
        WriteConfig("""
            before_prune = echo 'replica busy'; exit 2
            after_prune = touch "$HOOKS_OUT/after_prune"
            """);

        var result = Run("decay", "data1", "--yes");

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Error, Does.Contain("before_prune hook failed with exit code 2").And.Contain("replica busy; nothing deleted"));
        Assert.That(SnapshotNames(), Is.EqualTo(old));
        Assert.That(File.Exists(Path.Combine(Out, "after_prune")), Is.False);
    }

    [Test]
    public void A_dry_run_backup_runs_no_hook_and_says_so()
    {
        WriteFile(Path.Combine(Source, "a.txt"), "alpha");
        WriteConfig("""
            autoprune = true
            before_backup = touch "$HOOKS_OUT/before_backup"
            after_backup = touch "$HOOKS_OUT/after_backup"
            on_failure = touch "$HOOKS_OUT/on_failure"
            before_prune = touch "$HOOKS_OUT/before_prune"
            after_prune = touch "$HOOKS_OUT/after_prune"
            """);

        var result = RunOk("backup", "data1", "--dry-run");

        Assert.That(Directory.GetFiles(Out), Is.Empty);
        foreach (var hook in new[] { "before_backup", "after_backup", "on_failure", "before_prune", "after_prune" })
        {
            Assert.That(result.Error, Does.Contain($"dry run: the {hook} hook is not run: touch \"$HOOKS_OUT/{hook}\""));
        }
    }

    [Test]
    public void Debug_shows_each_hooks_command_duration_and_exit_code()
    {
        WriteFile(Path.Combine(Source, "a.txt"), "alpha");
        WriteConfig("""
            before_backup = echo dumping; sleep 0.2
            after_backup = echo "snapshot $SNAPSHOTBACKUP_SNAPSHOT"; exit 4
            """);

        var result = RunOk("backup", "data1", "-d");

        var snapshot = result.Output.Trim();
        Assert.That(result.Error, Does.Contain($"before_backup hook of data1: running echo dumping; sleep 0.2 in {Source} (timeout"));
        Assert.That(result.Error, Does.Match(@"before_backup hook of data1: exit code 0 after 0\.[2-9][0-9]{2} s|before_backup hook of data1: exit code 0 after [1-9][0-9]*\.[0-9]{3} s"));
        Assert.That(result.Error, Does.Contain("before_backup: dumping"), "the hook's output, line by line");
        Assert.That(result.Error, Does.Contain($"after_backup: snapshot {snapshot}"));
        Assert.That(result.Error, Does.Match(@"after_backup hook of data1: exit code 4 after [0-9]+\.[0-9]{3} s"));
    }

    [TestCase("banana", "hook_timeout = 'banana': expected a time such as 30 s, 10 min or 2 hours")]
    [TestCase("0", "hook_timeout = '0': expected a time such as 30 s")]
    [TestCase("0 s", "hook_timeout = '0 s': expected at least one second")]
    [TestCase("3 months", "hook_timeout = '3 months': expected a time such as 30 s")]
    public void A_bad_hook_timeout_is_a_config_error(string value, string expected)
    {
        WriteConfig($"hook_timeout = {value}\nbefore_backup = touch \"$HOOKS_OUT/ran\"");

        var result = Run("backup", "data1");

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        var lines = result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), result.Error);
        Assert.That(lines[0], Does.Contain(ConfigPath).And.Contain("[data1]").And.Contain("hook_timeout").And.Contain(expected));
        Assert.That(Directory.GetFiles(Out), Is.Empty);
    }
}
