using System.Diagnostics;
using SnapshotBackup.Core.Copies;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.Copies;

/// <summary>Our relay against a bare <c>btrfs send | btrfs receive</c> on the same snapshot (figures, not a gate: the
/// machine is shared). Explicit: run with <c>--filter Name~Relay_throughput</c>.</summary>
[Explicit("a measurement")]
public sealed class CopyThroughputTests : CopyTest
{
    protected override string TargetSize => "2G";

    [Test]
    public async Task Relay_throughput_against_a_bare_pipe()
    {
        WriteRandom("big.bin", 600);
        var s1 = Snapshot();
        var bareDir = Path.Combine(TargetDisk.Mount, "bare");
        Directory.CreateDirectory(bareDir);
        Shell.Check("sync");
        var bare = Stopwatch.StartNew();
        Shell.Check("sh", "-c", $"btrfs send -q '{Path.Combine(Backups, s1)}' | btrfs receive -q '{bareDir}'");
        Shell.Check("btrfs", "filesystem", "sync", TargetDisk.Mount);
        bare.Stop();
        Shell.Check("btrfs", "subvolume", "delete", "-c", Path.Combine(bareDir, s1));
        Shell.Check("sync");

        var ours = Stopwatch.StartNew();
        var report = await CopyAsync();
        Shell.Check("btrfs", "filesystem", "sync", TargetDisk.Mount);
        ours.Stop();
        Assert.That(report.Error, Is.Null, report.Error?.ToString());
        TestContext.Progress.WriteLine($"full send of 600 MiB: bare pipe {bare.Elapsed.TotalSeconds:0.00} s, ours {ours.Elapsed.TotalSeconds:0.00} s ({ours.Elapsed / bare.Elapsed:0.00}x), {report.BytesSent} bytes");
    }
}
