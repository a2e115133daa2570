using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Core.Copies;
using SnapshotBackup.Core.Engine;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.Copies;

/// <summary>The destination on its own (as <c>serve --copies</c> uses it): what it does with a stream it cannot publish.</summary>
public sealed class LocalCopyDestinationTests : CopyTest
{
    private string Incoming => Path.Combine(TargetPath, LocalCopyDestination.IncomingName);

    private byte[] Stream(string name)
    {
        var file = Path.Combine(SourceDisk.Root, "stream");
        Shell.Check("btrfs", "send", "-q", "-f", file, Path.Combine(Backups, name));
        var bytes = File.ReadAllBytes(file);
        File.Delete(file);
        return bytes;
    }

    private async Task<Exception?> ReceiveAsync(string name, Guid expected, Action? beforeComplete = null)
    {
        await using var destination = new LocalCopyDestination(Target, null, Log);
        await destination.ConnectAsync(false, CancellationToken.None);
        await using var receive = await destination.BeginReceiveAsync(name, expected, CancellationToken.None);
        await receive.Input.WriteAsync(Stream(name));
        beforeComplete?.Invoke();
        try
        {
            await receive.CompleteAsync(CancellationToken.None);
            return null;
        }
        catch (OperationFailedException e)
        {
            return e;
        }
    }

    [Test]
    public async Task A_name_taken_while_receiving_is_left_untouched_and_the_received_copy_is_deleted()
    {
        WriteText("a.txt", "a");
        var s1 = Snapshot();
        var uuid = BtrfsManager.Identify(Backups, s1)!.Value.Uuid;
        var error = await ReceiveAsync(s1, uuid, () =>
        {
            Directory.CreateDirectory(Path.Combine(TargetPath, s1));
            File.WriteAllText(Path.Combine(TargetPath, s1, "theirs"), "theirs");
        });
        Assert.That(error?.Message, Does.Contain("the name is taken"));
        Assert.That(File.ReadAllText(Path.Combine(TargetPath, s1, "theirs")), Is.EqualTo("theirs"));
        Assert.That(BtrfsManager.Instance.Inspect(TargetPath, s1), Is.EqualTo(SubvolumeKind.PlainDirectory));
        Assert.That(Directory.EnumerateFileSystemEntries(Incoming), Is.Empty);
    }

    [Test]
    public async Task A_stream_of_another_snapshot_than_expected_is_deleted_not_published()
    {
        WriteText("a.txt", "a");
        var s1 = Snapshot();
        var error = await ReceiveAsync(s1, Guid.NewGuid());
        Assert.That(error?.Message, Does.Contain("is not the snapshot sent"));
        Assert.That(TargetNames(), Is.EqualTo(new[] { LocalCopyDestination.IncomingName }));
        Assert.That(Directory.EnumerateFileSystemEntries(Incoming), Is.Empty);
    }

    [Test]
    public async Task A_garbage_stream_fails_with_the_receivers_error_and_publishes_nothing()
    {
        await using var destination = new LocalCopyDestination(Target, null, Log);
        await destination.ConnectAsync(false, CancellationToken.None);
        var name = Core.Volume.SnapshotName.Format(DateTimeOffset.Now);
        await using var receive = await destination.BeginReceiveAsync(name, Guid.NewGuid(), CancellationToken.None);
        await receive.Input.WriteAsync(new byte[4096]);
        var e = Assert.ThrowsAsync<OperationFailedException>(() => receive.CompleteAsync(CancellationToken.None));
        Assert.That(e!.Message, Does.Contain($"btrfs receive of {name}").And.Contain("ERROR"));
        Assert.That(TargetNames(), Is.EqualTo(new[] { LocalCopyDestination.IncomingName }));
    }

    [Test]
    public async Task A_target_directory_that_does_not_exist_or_is_not_btrfs_is_unavailable()
    {
        await using var missing = new LocalCopyDestination(Parse(Path.Combine(TargetDisk.Mount, "nope")), null, Log);
        Assert.ThrowsAsync<CopyTargetUnavailableException>(() => missing.ConnectAsync(false, CancellationToken.None));
        var plain = Directory.CreateTempSubdirectory("sbtest-plain-").FullName;
        try
        {
            if (BtrfsManager.Instance.IsBtrfs(plain))
            {
                Assert.Ignore("/tmp is on btrfs here");
            }
            await using var notBtrfs = new LocalCopyDestination(Parse(plain), null, Log);
            var e = Assert.ThrowsAsync<CopyTargetUnavailableException>(() => notBtrfs.ConnectAsync(false, CancellationToken.None));
            Assert.That(e!.Message, Does.Contain("not on a btrfs filesystem"));
        }
        finally
        {
            Directory.Delete(plain, recursive: true);
        }
    }
}
