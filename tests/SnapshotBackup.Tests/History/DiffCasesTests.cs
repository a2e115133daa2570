using Microsoft.Extensions.Logging.Abstractions;
using SnapshotBackup.Core.History;
using SnapshotBackup.Core.Processes;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.History;

/// <summary>
/// Chosen cases of diff between two real backups, each against the oracle by both methods, and the command's text
/// output and errors: a hard-linked file changed through one name (btrfs send names only one: the others come from
/// the inode's paths), swapped directories, a file become a directory.
/// </summary>
[Category("History")]
public class DiffCasesTests : VolumeTest
{
    private (string A, string B) TwoBackups(Action change)
    {
        CliOk("setup", "data1");
        CliOk("backup", "data1");
        change();
        CliOk("backup", "data1");
        var names = SnapshotNames();
        return (names[0], names[1]);
    }

    private async Task AssertBothMethodsEqualTheOracle(string a, string b, params string[] mustContain)
    {
        var expected = TreeOracle.Diff(TreeOracle.Dump(Path.Combine(Backups, a)), TreeOracle.Dump(Path.Combine(Backups, b)));
        foreach (var line in mustContain)
        {
            Assert.That(expected, Has.Some.StartsWith(line), "the case is what the test means");
        }
        var runner = new ProcessRunner(NullLogger.Instance);
        foreach (var differ in new[] { new SnapshotDiff(runner, NullLogger.Instance), new SnapshotDiff(runner, NullLogger.Instance) { CanSend = false } })
        {
            var result = await differ.BetweenSnapshotsAsync(Path.Combine(Backups, a), Path.Combine(Backups, b), CancellationToken.None);
            var lines = result.Entries.Select(e => TreeOracle.Line(e.Path, e.Change.ToString().ToLowerInvariant(), e.Type.Name(), e.Detail?.Content ?? false, e.Detail?.Metadata ?? []));
            Assert.That(lines, Is.EqualTo(expected), result.Method);
        }
    }

    [Test]
    public async Task A_hard_linked_file_changed_through_one_name_is_modified_under_every_name()
    {
        WriteFile(Path.Combine(Source, "d", "f"), new string('x', 9000));
        Shell.Check("ln", Path.Combine(Source, "d", "f"), Path.Combine(Source, "g"));
        Shell.Check("ln", Path.Combine(Source, "d", "f"), Path.Combine(Source, "h"));
        var (a, b) = TwoBackups(() =>
        {
            Shell.Check("chmod", "600", Path.Combine(Source, "g"));
            Shell.Check("setfattr", "-n", "user.k", "-v", "1", Path.Combine(Source, "h"));
        });
        await AssertBothMethodsEqualTheOracle(a, b, "modified d/f", "modified g", "modified h");
    }

    [Test]
    public async Task Swapped_directories_and_a_file_become_a_directory_are_compared_by_name()
    {
        WriteFile(Path.Combine(Source, "x", "same"), "from x");
        WriteFile(Path.Combine(Source, "x", "only-x"), "x");
        WriteFile(Path.Combine(Source, "y", "same"), "from y");
        WriteFile(Path.Combine(Source, "y", "deep", "z"), "y");
        WriteFile(Path.Combine(Source, "plain"), "a file");
        // The two "same" files have one size; written within one clock tick they can have one mtime too, and then
        // rsync's quick check (size and mtime) rightly sees no change after the swap. An hour apart, it does.
        File.SetLastWriteTimeUtc(Path.Combine(Source, "y", "same"), DateTime.UtcNow.AddHours(-1));
        var (a, b) = TwoBackups(() =>
        {
            Directory.Move(Path.Combine(Source, "x"), Path.Combine(Source, "tmp"));
            Directory.Move(Path.Combine(Source, "y"), Path.Combine(Source, "x"));
            Directory.Move(Path.Combine(Source, "tmp"), Path.Combine(Source, "y"));
            File.Delete(Path.Combine(Source, "plain"));
            WriteFile(Path.Combine(Source, "plain", "inside"), "now a directory");
        });
        await AssertBothMethodsEqualTheOracle(a, b, "modified x/same", "added x/deep", "deleted x/only-x", "modified plain dir content=False [type", "added plain/inside");
    }

    [Test]
    public void The_text_output_lists_changes_then_the_summary_and_stat_only_the_summary()
    {
        WriteFile(Path.Combine(Source, "keep"), "same");
        WriteFile(Path.Combine(Source, "old", "gone"), "12345");
        WriteFile(Path.Combine(Source, "edit"), "before");
        var (a, b) = TwoBackups(() =>
        {
            Directory.Delete(Path.Combine(Source, "old"), recursive: true);
            WriteFile(Path.Combine(Source, "new", "file"), "1234567");
            File.WriteAllText(Path.Combine(Source, "edit"), "after!!");
        });
        var text = CliOk("diff", "data1", a, b);
        Assert.That(text.Output, Is.EqualTo(
            "M edit (content; metadata: mtime)\n+ new/\n+ new/file\n- old/\n- old/gone\n2 added (7 bytes), 2 deleted (5 bytes), 1 modified (7 bytes)\n"));
        Assert.That(CliOk("diff", "data1", a, b, "--stat").Output, Is.EqualTo("2 added (7 bytes), 2 deleted (5 bytes), 1 modified (7 bytes)\n"));
        Assert.That(CliOk("diff", "data1", b, a, "--stat").Output, Is.EqualTo("2 added (5 bytes), 2 deleted (7 bytes), 1 modified (6 bytes)\n"));
        Assert.That(CliOk("diff", "data1", b).Output, Is.EqualTo("0 added (0 bytes), 0 deleted (0 bytes), 0 modified (0 bytes)\n"), "the source is as the last backup left it");
    }

    [Test]
    public void Bad_arguments_are_usage_errors_that_name_the_problem()
    {
        var (a, _) = TwoBackups(() => WriteFile(Path.Combine(Source, "f"), "x"));
        Assert.That(Cli("diff", "data1").ExitCode, Is.EqualTo(2));
        Assert.That(Cli("diff", "data1", a, a, a).ExitCode, Is.EqualTo(2));
        var unknown = Cli("diff", "data1", "1999");
        Assert.That((unknown.ExitCode, unknown.Error), Is.EqualTo((2, "error: no snapshot '1999' in " + Backups + $"; its snapshots run from {SnapshotNames()[0]} to {SnapshotNames()[^1]} ('list' shows them all)\n")));
        var escape = Cli("versions", "data1", "../etc/passwd");
        Assert.That((escape.ExitCode, escape.Error), Is.EqualTo((2, "error: ../etc/passwd leads out of the source of 'data1' ('..' above its top)\n")));
        var outside = Cli("versions", "data1", "/etc/passwd");
        Assert.That(outside.ExitCode, Is.EqualTo(2));
        Assert.That(outside.Error, Does.Contain("is not in the source of 'data1'"));
        Assert.That(Cli("versions", "data1").ExitCode, Is.EqualTo(2));
        WriteConfig("source = user@host:/data");
        File.WriteAllText(ConfigPath, $"[data1]\nsource = user@host:/data\nbackups = {Backups}\n");
        var remote = Cli("diff", "data1", a);
        Assert.That(remote.ExitCode, Is.EqualTo(2));
        Assert.That(remote.Error, Does.Contain("has a remote source"));
        Assert.That(CliOk("versions", "data1", "/data/f").Output, Does.Contain("absent"), "an absolute path in a remote source's directory");
    }
}
