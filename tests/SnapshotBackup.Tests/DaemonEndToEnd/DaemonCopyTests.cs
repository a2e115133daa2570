using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.DaemonEndToEnd;

/// <summary>The daemon's copies to a second real btrfs: after each backup, on a copy_schedule of their own, and a target
/// unplugged meanwhile (a quiet skip: no error line, the next run catches up).</summary>
[NonParallelizable]
public class DaemonCopyTests : DaemonTest
{
    private LoopBtrfs _target = null!;

    private string TargetPath => Path.Combine(_target.Mount, "copies");

    [SetUp]
    public void CreateTarget()
    {
        _target = LoopBtrfs.Create();
        Directory.CreateDirectory(TargetPath);
    }

    [TearDown]
    public void RemoveTarget() => _target?.Dispose();

    private IReadOnlyList<string> Copies() => Directory.Exists(TargetPath) ? Snapshots(TargetPath) : [];

    [Test]
    public void Copies_end_each_backup_and_an_unplugged_target_is_a_quiet_skip_caught_up_when_it_returns()
    {
        WriteConfig(Section("data1", Source, Backups, "*/3 * * * * ?", $"copy_to = {TargetPath}"));
        using var daemon = StartDaemon();
        daemon.WaitForNotify(n => n == "READY=1", ReadyWait);
        Assert.That(Poll.Until(() => Copies().Count >= 2, LongWait), Is.True, daemon.Describe());
        Assert.That(Copies(), Is.SubsetOf(Snapshots(Backups)));
        Assert.That(daemon.Lines, Has.Some.Contains("copy data1 to " + TargetPath), daemon.Describe());

        Shell.Check("umount", _target.Mount);
        var before = Snapshots(Backups).Count;
        Assert.That(Poll.Until(() => Snapshots(Backups).Count >= before + 2, LongWait), Is.True, daemon.Describe());
        Assert.That(daemon.Lines, Has.Some.Contains("skipped").And.Some.Contains(TargetPath), daemon.Describe());
        Assert.That(ErrorLines(daemon), Is.Empty, "an unplugged target is not an error: " + daemon.Describe());

        Shell.Check("mount", "-o", "loop", _target.Image, _target.Mount);
        Assert.That(Poll.Until(() => Copies().Count >= before + 2, LongWait), Is.True, "caught up after the target returned: " + daemon.Describe());
        foreach (var name in Copies())
        {
            var ro = Shell.Run("btrfs", "property", "get", Path.Combine(TargetPath, name), "ro");
            Assert.That(ro.Output, Does.Contain("ro=true"), name);
        }
    }

    [Test]
    public void A_copy_schedule_runs_the_copies_as_their_own_job()
    {
        // Backups every 2 s, copies every 5 s: the copies come from the copy job, not from the backups.
        WriteConfig(Section("data1", Source, Backups, "*/2 * * * * ?", $"copy_to = {TargetPath}\ncopy_schedule = */5 * * * * ?"));
        using var daemon = StartDaemon();
        daemon.WaitForNotify(n => n == "READY=1", ReadyWait);
        Assert.That(Poll.Until(() => Copies().Count >= 2, LongWait), Is.True, daemon.Describe());
        Assert.That(daemon.Lines, Has.Some.Contains("copies of data1 scheduled"), daemon.Describe());
        Assert.That(daemon.Lines, Has.Some.Contains("copy data1 started"), daemon.Describe());
        Assert.That(ErrorLines(daemon), Is.Empty, daemon.Describe());
    }
}
