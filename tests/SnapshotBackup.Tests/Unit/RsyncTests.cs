using SnapshotBackup.Core.Engine;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Rsync;

namespace SnapshotBackup.Tests.Unit;

public class RsyncTests
{
    [Test]
    public void A_local_backup_is_a_full_system_copy_with_one_exclude_per_ignore_entry()
    {
        var command = RsyncCommandBuilder.Build(new RsyncOptions("/data", "/backups/x/.sync") { Ignore = ["/.cache", "/a, b"] });
        Assert.That(command.FileName, Is.EqualTo("rsync"));
        Assert.That(command.Arguments, Is.SupersetOf(new[]
        {
            "--archive", "--hard-links", "--acls", "--xattrs", "--numeric-ids", "--sparse", "--delete", "--delete-excluded",
        }));
        Assert.That(command.Arguments, Does.Contain("--exclude=/.cache").And.Contain("--exclude=/a, b"));
        Assert.That(command.Arguments.TakeLast(3), Is.EqualTo(new[] { "--", "/data/", "/backups/x/.sync/" }));
        Assert.That(command.Arguments, Has.None.StartsWith("--rsh"));
        Assert.That(command.Arguments, Has.None.EqualTo("--checksum").And.None.EqualTo("--dry-run"));
    }

    [Test]
    public void Checksum_dry_run_and_progress_add_their_options()
    {
        var command = RsyncCommandBuilder.Build(new RsyncOptions("/d", "/b") { Checksum = true, DryRun = true, Progress = true });
        Assert.That(command.Arguments, Does.Contain("--checksum").And.Contain("--dry-run").And.Contain("--info=progress2"));
    }

    [Test]
    public void A_remote_source_uses_non_interactive_ssh()
    {
        var command = RsyncCommandBuilder.Build(new RsyncOptions("user@host:/srv/data", "/b/.sync"));
        Assert.That(command.Arguments, Has.Some.StartsWith("--rsh=ssh -o BatchMode=yes"));
        Assert.That(command.Arguments[^2], Is.EqualTo("user@host:/srv/data/"));
    }

    [Test]
    public void Paths_starting_with_a_dash_stay_paths_after_the_double_dash()
    {
        var args = RsyncCommandBuilder.Build(new RsyncOptions("/-rf", "/b")).Arguments;
        Assert.That(args.ToList().IndexOf("--"), Is.LessThan(args.ToList().IndexOf("/-rf/")));
    }

    [TestCase("     12,345,678  42%   12.34MB/s    0:00:12 (xfr#5, to-chk=10/100)", 42)]
    [TestCase("              0   0%    0.00kB/s    0:00:00 (xfr#0, ir-chk=1000/1001)", 0)]
    [TestCase("    100,000,000 100%  100.00MB/s    0:00:01 (xfr#10, to-chk=0/10)", 100)]
    public void Progress_lines_give_their_percentage(string line, int percent) =>
        Assert.That(RsyncOutputParser.ParsePercent(line), Is.EqualTo(percent));

    [TestCase("Number of files: 3")]
    [TestCase("sending incremental file list")]
    public void Other_lines_give_no_percentage(string line) =>
        Assert.That(RsyncOutputParser.ParsePercent(line), Is.Null);

    [Test]
    public void The_stats_line_gives_the_bytes_transferred() =>
        Assert.That(RsyncOutputParser.ParseTransferredBytes("Total transferred file size: 1,234,567 bytes"), Is.EqualTo(1234567));

    [Test]
    public void A_failure_quotes_rsyncs_meaning_of_the_code_and_its_last_words()
    {
        var e = new RsyncException(23, "rsync: [sender] opendir \"/x\" failed: Permission denied (13)\nrsync error: some files/attrs were not transferred");
        Assert.That(e.Message, Does.Contain("exit code 23").And.Contain("partial transfer due to error").And.Contain("Permission denied"));
        Assert.That(e.DiskFull, Is.False);
    }

    [Test]
    public void A_full_disk_is_named()
    {
        var e = new RsyncException(11, "rsync: write failed on \"/b/.sync/f\": No space left on device (28)");
        Assert.That(e.DiskFull, Is.True);
        Assert.That(e.Message, Does.Contain("the backup volume is full"));
    }

    [Test]
    public void The_ssh_reachability_check_quotes_the_remote_path_for_the_remote_shell()
    {
        Assert.That(RemoteSource.TryParse("me@host:/srv/it's $(rm -rf /)", out var remote), Is.True);
        var command = SourceProbe.BuildSshCheck(remote);
        Assert.That(command.FileName, Is.EqualTo("ssh"));
        Assert.That(command.Arguments, Does.Contain("BatchMode=yes"));
        Assert.That(command.Arguments[^1], Is.EqualTo("'/srv/it'\\''s $(rm -rf /)'"));
        Assert.That(command.Arguments[^4], Is.EqualTo("me@host"));
    }
}
