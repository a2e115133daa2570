using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Rsync;

namespace SnapshotBackup.Tests.Unit.Restore;

public class RestoreCommandLineTests
{
    [Test]
    public void A_restore_keeps_the_backups_fidelity_options_and_puts_each_path_at_its_place()
    {
        var command = RsyncCommandBuilder.BuildRestore(new RestoreRsyncOptions("/b/data1/2026-03-01T12:00:00+00:00", ["docs/a.txt", "photos"], "/srv/data")
        {
            Ignore = ["/.cache"],
        });
        Assert.That(command.FileName, Is.EqualTo("rsync"));
        Assert.That(command.Arguments, Is.SupersetOf(new[]
        {
            "--archive", "--hard-links", "--acls", "--xattrs", "--numeric-ids", "--sparse", "--modify-window=-1", "--relative", "--checksum",
            "--exclude=/.cache",
        }));
        Assert.That(command.Arguments, Has.None.EqualTo("--delete").And.None.EqualTo("--delete-excluded").And.None.EqualTo("--inplace").And.None.EqualTo("--dry-run"));
        Assert.That(command.Arguments.SkipWhile(a => a != "--"), Is.EqualTo(new[]
        {
            "--", "/b/data1/2026-03-01T12:00:00+00:00/./docs/a.txt", "/b/data1/2026-03-01T12:00:00+00:00/./photos", "/srv/data/",
        }));
        Assert.That(command.Arguments, Has.None.StartsWith("--rsh"));
    }

    [Test]
    public void The_whole_tree_delete_and_the_plans_dry_run_add_their_options()
    {
        var command = RsyncCommandBuilder.BuildRestore(new RestoreRsyncOptions("/b/s/", [""], "/srv/data/") { Delete = true, DryRun = true });
        Assert.That(command.Arguments, Does.Contain("--delete").And.Contain("--dry-run").And.Contain("--itemize-changes"));
        Assert.That(command.Arguments, Has.None.EqualTo("--delete-excluded"));
        Assert.That(command.Arguments.TakeLast(2), Is.EqualTo(new[] { "/b/s/./", "/srv/data/" }));
    }

    [Test]
    public void A_remote_target_goes_over_non_interactive_ssh_and_dashed_paths_stay_paths()
    {
        var command = RsyncCommandBuilder.BuildRestore(new RestoreRsyncOptions("/b/s", ["-rf"], "user@host:/srv/data"));
        Assert.That(command.Arguments, Has.Some.StartsWith("--rsh=ssh -o BatchMode=yes"));
        var args = command.Arguments.ToList();
        Assert.That(args.IndexOf("--"), Is.LessThan(args.IndexOf("/b/s/./-rf")));
        Assert.That(args[^1], Is.EqualTo("user@host:/srv/data/"));
        Assert.That(RemoteSource.TryParse(args[^1], out _), Is.True);
    }

    [Test]
    public void A_restore_without_paths_is_a_programming_error() =>
        Assert.That(() => RsyncCommandBuilder.BuildRestore(new RestoreRsyncOptions("/b/s", [], "/t")), Throws.ArgumentException);
}
