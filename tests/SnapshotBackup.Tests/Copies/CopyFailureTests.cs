using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Core.Copies;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.Copies;

/// <summary>Cut transfers: the receiver or the sender killed mid-stream, a cancelled run; each is cleaned and completed
/// by the next run with nothing half-published.</summary>
public sealed class CopyFailureTests : CopyTest
{
    private string Incoming => Path.Combine(TargetPath, LocalCopyDestination.IncomingName);

    /// <summary>A copy whose first progress report (after the first chunk of the stream) runs <paramref name="cut"/> once.</summary>
    private Task<CopyReport> CopyCutAsync(Action cut, CancellationToken cancellationToken = default)
    {
        var done = false;
        var options = new CopyOptions
        {
            Progress = p =>
            {
                if (!done && p.Bytes > 0)
                {
                    done = true;
                    cut();
                }
            },
        };
        return Service(TimeSpan.Zero).CopyAsync(Config(), Target, options, cancellationToken);
    }

    private static void Kill(List<int> pids, string what)
    {
        Assert.That(pids, Has.Count.EqualTo(1), $"one {what} runs");
        Shell.Check("kill", "-9", pids[0].ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private async Task AssertNextRunCleansAndCompletes(string name, bool partialExpected)
    {
        Assert.That(TargetNames(), Does.Not.Contain(name), "nothing half-published");
        if (partialExpected)
        {
            Assert.That(BtrfsManager.Instance.Inspect(Incoming, name), Is.EqualTo(SubvolumeKind.WritableSubvolume), "the cut receive is left in .incoming");
            Assert.That(BtrfsManager.Identify(Incoming, name)!.Value.IsPartialReceive, Is.True);
        }
        var partials = Directory.EnumerateFileSystemEntries(Incoming).Select(Path.GetFileName).ToList();
        var report = await CopyAsync();
        Assert.That(report.Error, Is.Null, report.Error?.ToString());
        Assert.That(report.CleanedPartials, Is.EqualTo(partials));
        Assert.That(report.Sent.Select(s => s.Name), Does.Contain(name));
        Assert.That(Directory.EnumerateFileSystemEntries(Incoming), Is.Empty);
        AssertCopyEquals(name);
        Assert.That(BtrfsProcesses("send", Backups).Concat(BtrfsProcesses("receive", TargetPath)), Is.Empty, "no btrfs process left");
    }

    [Test]
    public async Task A_receive_killed_mid_stream_fails_the_run_and_the_next_run_cleans_it_and_completes()
    {
        WriteRandom("big.bin", 100);
        var s1 = Snapshot();
        var report = await CopyCutAsync(() =>
        {
            // The stream is spliced into receive's pipe before receive reads it: cut once the subvolume is begun (which
            // can wait for a btrfs transaction: generous under the load of a whole test run).
            Assert.That(Poll.Until(() => BtrfsManager.Instance.Inspect(Incoming, s1) != SubvolumeKind.Missing, TimeSpan.FromSeconds(90)), Is.True,
                "btrfs receive never began the subvolume");
            Kill(BtrfsProcesses("receive", Incoming), "btrfs receive");
        });
        Assert.That(report.Error, Is.InstanceOf<Core.Engine.OperationFailedException>());
        Assert.That(report.Error!.Message, Does.Contain($"btrfs receive of {s1}"));
        Assert.That(report.Sent, Is.Empty);
        Assert.That(new CopyRecords(Backups).Read()[TargetPath].LastError, Does.Contain("btrfs receive"));
        await AssertNextRunCleansAndCompletes(s1, partialExpected: true);
    }

    [Test]
    public async Task A_send_killed_mid_stream_fails_the_run_and_the_next_run_cleans_and_completes()
    {
        WriteRandom("small.bin", 1);
        var s1 = Snapshot();
        Assert.That((await CopyAsync()).Error, Is.Null);
        WriteRandom("big.bin", 100);
        var s2 = Snapshot();
        var report = await CopyCutAsync(() => Kill(BtrfsProcesses("send", Path.Combine(Backups, s2)), "btrfs send"));
        Assert.That(report.Error, Is.InstanceOf<Core.Engine.OperationFailedException>());
        Assert.That(report.Error!.Message, Does.Contain($"btrfs send of {s2} failed"));
        await AssertNextRunCleansAndCompletes(s2, partialExpected: false);
        AssertCopyEquals(s1);
    }

    [Test]
    public async Task A_cancelled_copy_kills_send_and_receive_and_the_next_run_completes()
    {
        WriteRandom("big.bin", 100);
        var s1 = Snapshot();
        using var cancel = new CancellationTokenSource();
        Assert.CatchAsync<OperationCanceledException>(() => CopyCutAsync(cancel.Cancel, cancel.Token));
        Assert.That(BtrfsProcesses("send", Backups).Concat(BtrfsProcesses("receive", TargetPath)), Is.Empty, "cancellation kills both");
        await AssertNextRunCleansAndCompletes(s1, partialExpected: false);
    }
}

/// <summary>The target disk fills up: the error names it; the next run after freeing space completes.</summary>
public sealed class CopyDiskFullTests : CopyTest
{
    protected override string TargetSize => "500M";

    [Test]
    public async Task A_full_target_disk_is_named_with_its_free_space_and_the_copy_completes_once_space_is_freed()
    {
        var ballast = Path.Combine(TargetDisk.Mount, "ballast");
        Shell.Check("dd", "if=/dev/urandom", $"of={ballast}", "bs=1M", "count=300", "status=none");
        Shell.Check("sync");
        WriteRandom("big.bin", 250);
        var s1 = Snapshot();

        var report = await CopyAsync();
        Assert.That(report.Error, Is.InstanceOf<Core.Engine.OperationFailedException>(), report.Error?.ToString());
        Assert.That(report.Error!.Message, Does.Contain($"the target disk {TargetPath} is full (").And.Contain("bytes free"));
        Assert.That(TargetNames(), Does.Not.Contain(s1), "nothing half-published");
        Assert.That(new CopyRecords(Backups).Read()[TargetPath].LastError, Does.Contain("is full"));

        File.Delete(ballast);
        Shell.Check("sync");
        report = await CopyAsync();
        Assert.That(report.Error, Is.Null, report.Error?.ToString());
        Assert.That(report.Sent.Single().Name, Is.EqualTo(s1));
        AssertCopyEquals(s1);
    }
}

/// <summary>
/// The clone-source decision, measured: a back-filled snapshot (its copy was lost between two copies the target holds)
/// sent with <c>-p</c> the older common snapshot alone carries the data it shares with the newer one; with <c>-c</c> the
/// newer one, that data is cloned on the target instead.
/// </summary>
public sealed class CopyCloneSourceTests : CopyTest
{
    [Test]
    public async Task A_back_filled_snapshot_is_sent_with_the_newer_common_snapshot_as_clone_source_and_that_saves_its_shared_data()
    {
        WriteRandom("a.bin", 1);
        var s1 = Snapshot();
        WriteRandom("b.bin", 20);
        var s2 = Snapshot();
        WriteText("c.txt", "c");
        var s3 = Snapshot();
        Assert.That((await CopyAsync()).Error, Is.Null);
        BtrfsManager.Instance.DeleteSubvolume(TargetPath, s2);

        var without = SendSize("-p", Path.Combine(Backups, s1), Path.Combine(Backups, s2));
        var with = SendSize("-p", Path.Combine(Backups, s1), "-c", Path.Combine(Backups, s3), Path.Combine(Backups, s2));
        TestContext.Progress.WriteLine($"back-fill of {s2}: btrfs send -p S1: {without} bytes; -p S1 -c S3: {with} bytes");

        var report = await CopyAsync();
        Assert.That(report.Error, Is.Null, report.Error?.ToString());
        var sent = report.Sent.Single();
        Assert.That(sent.Name, Is.EqualTo(s2));
        Assert.That(sent.Parent, Is.EqualTo(s1));
        Assert.That(with, Is.LessThan(without / 10));
        Assert.That(sent.Bytes, Is.LessThan(without / 10), "the run used the clone source");
        TestContext.Progress.WriteLine($"the copy run sent {sent.Bytes} bytes");
        AssertCopyEquals(s2);
    }

    private long SendSize(params string[] arguments)
    {
        var file = Path.Combine(SourceDisk.Root, "stream");
        Shell.Check("btrfs", ["send", "-q", "-f", file, .. arguments]);
        var size = new FileInfo(file).Length;
        File.Delete(file);
        return size;
    }
}
