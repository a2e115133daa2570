using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Core.Copies;
using SnapshotBackup.Core.Volume;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.Copies;

public sealed class CopyServiceTests : CopyTest
{
    [Test]
    public async Task The_first_copy_is_a_full_send_and_the_next_are_incremental_and_every_copy_equals_its_snapshot()
    {
        WriteTree();
        WriteRandom("big/one.bin", 20);
        var first = Snapshot();

        var report = await CopyAsync();
        Assert.That(report.Error, Is.Null, report.Error?.ToString());
        Assert.That(report.Sent.Single().Name, Is.EqualTo(first));
        Assert.That(report.Sent.Single().Full, Is.True);
        Assert.That(report.Sent.Single().Bytes, Is.GreaterThan(20L << 20));
        Assert.That(Log.Lines.Any(l => l.Text.Contains($"full send of {first} to {TargetPath} (no common snapshot)", StringComparison.Ordinal)), Is.True);
        AssertCopyEquals(first);
        AssertReceivedUuidByBtrfsProgs(first);

        WriteText("docs/a.txt", "changed\n");
        WriteText("new.txt", "new\n");
        File.Delete(Path.Combine(Sync, "docs/deep/b.txt"));
        var second = Snapshot();
        WriteText("third.txt", "third\n");
        var third = Snapshot();

        report = await CopyAsync();
        Assert.That(report.Error, Is.Null, report.Error?.ToString());
        Assert.That(report.Sent.Select(s => (s.Name, s.Parent)), Is.EqualTo(new[] { (second, (string?)first), (third, second) }));
        Assert.That(report.Sent.Max(s => s.Bytes), Is.LessThan(200_000), "incremental sends carry only the change");
        Assert.That(Log.Lines.Any(l => l.Text.Contains($"sent {third} to {TargetPath} incrementally from {second}", StringComparison.Ordinal)), Is.True);
        Assert.That(report.CommonParent, Is.EqualTo(third));
        foreach (var name in new[] { first, second, third })
        {
            AssertCopyEquals(name);
        }
        Assert.That(TargetNames(), Is.EqualTo(new[] { LocalCopyDestination.IncomingName, first, second, third }.Order(StringComparer.Ordinal)));
        Assert.That(Directory.EnumerateFileSystemEntries(Path.Combine(TargetPath, LocalCopyDestination.IncomingName)), Is.Empty);

        var record = new CopyRecords(Backups).Read()[TargetPath];
        Assert.That(record.NewestCopy, Is.EqualTo(third));
        Assert.That(record.CommonParent, Is.EqualTo(third));
        Assert.That(record.CommonParentUuid, Is.EqualTo(BtrfsManager.Identify(Backups, third)!.Value.Uuid));
        Assert.That(record.Missing, Is.Zero);
        Assert.That(record.LastError, Is.Null);
        Assert.That(record.LastCopy, Is.Not.Null);
        Assert.That(record.LastReachable, Is.EqualTo(record.LastAttempt));

        report = await CopyAsync();
        Assert.That(report.Sent, Is.Empty, "nothing new: nothing sent");
        Assert.That(report.Error, Is.Null);
    }

    [Test]
    public async Task After_the_source_pruned_snapshots_the_copy_is_still_incremental_from_the_common_one()
    {
        WriteRandom("data.bin", 20);
        var s1 = Snapshot();
        WriteText("b.txt", "b");
        var s2 = Snapshot();
        WriteText("c.txt", "c");
        var s3 = Snapshot();
        Assert.That((await CopyAsync()).Error, Is.Null);

        DeleteSnapshot(s2);
        DeleteSnapshot(s3);
        WriteText("d.txt", "d");
        var s4 = Snapshot();

        var report = await CopyAsync();
        Assert.That(report.Error, Is.Null, report.Error?.ToString());
        Assert.That(report.Sent.Single().Name, Is.EqualTo(s4));
        Assert.That(report.Sent.Single().Parent, Is.EqualTo(s1), "s1 is the only snapshot both sides still hold");
        Assert.That(report.Sent.Single().Bytes, Is.LessThan(100_000));
        AssertCopyEquals(s4);
    }

    [Test]
    public async Task A_renamed_copy_is_recognised_by_its_received_uuid_and_is_the_parent()
    {
        WriteRandom("data.bin", 10);
        var s1 = Snapshot();
        Assert.That((await CopyAsync()).Error, Is.Null);
        var renamed = SnapshotName.Format(DateTimeOffset.Now.AddYears(-1));
        Directory.Move(Path.Combine(TargetPath, s1), Path.Combine(TargetPath, renamed));
        WriteText("x.txt", "x");
        var s2 = Snapshot();

        var report = await CopyAsync();
        Assert.That(report.Error, Is.Null, report.Error?.ToString());
        Assert.That(report.Sent.Single().Name, Is.EqualTo(s2));
        Assert.That(report.Sent.Single().Parent, Is.EqualTo(s1));
        AssertCopyEquals(s1, renamed);
        AssertCopyEquals(s2);
    }

    [Test]
    public async Task A_foreign_subvolume_and_a_plain_directory_with_timestamp_names_are_left_untouched_and_reported()
    {
        WriteText("a.txt", "a");
        var s1 = Snapshot();
        WriteText("b.txt", "b");
        var s2 = Snapshot();
        BtrfsManager.Instance.CreateSubvolume(TargetPath, s1);
        File.WriteAllText(Path.Combine(TargetPath, s1, "mine.txt"), "someone else's");
        var plainName = SnapshotName.Format(DateTimeOffset.Now.AddDays(-100));
        Directory.CreateDirectory(Path.Combine(TargetPath, plainName));
        File.WriteAllText(Path.Combine(TargetPath, plainName, "keep.txt"), "keep");
        var before = Shell.Run("find", Path.Combine(TargetPath, s1), Path.Combine(TargetPath, plainName), "-printf", "%p %s %T@\n").Output;

        var report = await CopyAsync();
        Assert.That(report.Error, Is.Null, report.Error?.ToString());
        Assert.That(report.Foreign, Is.EquivalentTo(new[] { s1, plainName }));
        Assert.That(report.Sent.Single().Name, Is.EqualTo(s2));
        Assert.That(report.Sent.Single().Full, Is.True);
        Assert.That(report.Missing, Is.EqualTo(new[] { s1 }), "s1's name is taken: it cannot be copied");
        Assert.That(report.Deleted, Is.Empty);
        Assert.That(Shell.Run("find", Path.Combine(TargetPath, s1), Path.Combine(TargetPath, plainName), "-printf", "%p %s %T@\n").Output, Is.EqualTo(before));
        Assert.That(BtrfsManager.Instance.Inspect(TargetPath, s1), Is.EqualTo(SubvolumeKind.WritableSubvolume));
        AssertCopyEquals(s2);
        Assert.That(Log.Lines.Any(l => l.Text.Contains($"{plainName} on copy target {TargetPath} is not a copy", StringComparison.Ordinal)), Is.True);
        Assert.That(new CopyRecords(Backups).Read()[TargetPath].Missing, Is.EqualTo(1));
    }

    [Test]
    public async Task Target_retention_deletes_by_the_copy_settings_but_never_the_newest_copy_or_the_common_parent()
    {
        var now = DateTimeOffset.Now;
        WriteText("a.txt", "a");
        var s1 = Snapshot(now.AddDays(-5));
        WriteText("b.txt", "b");
        var s2 = Snapshot(now.AddDays(-4));
        WriteText("c.txt", "c");
        var s3 = Snapshot(now.AddDays(-3));
        Assert.That((await CopyAsync()).Sent, Has.Count.EqualTo(3));

        // The source lost s3: the target's newest copy (s3) is no longer the common parent, s2's copy is.
        DeleteSnapshot(s3);
        var decay = Config(autoDecay: true, copyDecay: new Core.Time.Duration(1, Core.Time.DurationUnit.Day));
        var report = await CopyAsync(decay);
        Assert.That(report.Error, Is.Null, report.Error?.ToString());
        Assert.That(report.Sent, Is.Empty);
        Assert.That(report.Deleted, Is.EqualTo(new[] { s1 }));
        Assert.That(report.CommonParent, Is.EqualTo(s2));
        Assert.That(TargetNames(), Is.EqualTo(new[] { LocalCopyDestination.IncomingName, s2, s3 }.Order(StringComparer.Ordinal)));
        Assert.That(Log.Lines.Any(l => l.Text.Contains($"deleted the copy {s1} on {TargetPath} (copy retention)", StringComparison.Ordinal)), Is.True);

        // A new snapshot: sent from s2; then s2 (no longer the common parent) and s3 (no longer the newest copy) decay.
        WriteText("d.txt", "d");
        var s4 = Snapshot(now);
        report = await CopyAsync(decay);
        Assert.That(report.Sent.Single().Parent, Is.EqualTo(s2));
        Assert.That(report.Deleted, Is.EquivalentTo(new[] { s2, s3 }));
        Assert.That(TargetNames(), Is.EqualTo(new[] { LocalCopyDestination.IncomingName, s4 }.Order(StringComparer.Ordinal)));
        AssertCopyEquals(s4);
    }

    [Test]
    public async Task A_dry_run_changes_nothing_on_either_side()
    {
        WriteText("a.txt", "a");
        var s1 = Snapshot(DateTimeOffset.Now.AddDays(-5));
        Assert.That((await CopyAsync()).Error, Is.Null);
        WriteText("b.txt", "b");
        var s2 = Snapshot(DateTimeOffset.Now.AddHours(-1));
        // A cut receive in .incoming.
        BtrfsManager.Instance.CreateSubvolume(Path.Combine(TargetPath, LocalCopyDestination.IncomingName), s2);
        var records = File.ReadAllBytes(new CopyRecords(Backups).Path);
        // Reading a directory may update its atime (relatime), a change of the filesystem (and its generations) that
        // is not ours to avoid: the listing of everything else is compared, generations included.
        Shell.Check("mount", "-o", "remount,noatime", TargetDisk.Mount);
        var target = TargetState();
        var source = Shell.Run("find", SourceDisk.Mount, "-printf", "%p %y %s %T@\n").Output;

        var report = await CopyAsync(Config(autoDecay: true, copyDecay: new Core.Time.Duration(1, Core.Time.DurationUnit.Day)), new CopyOptions { DryRun = true });
        Assert.That(report.Error, Is.Null, report.Error?.ToString());
        Assert.That(report.DryRun, Is.True);
        Assert.That(report.CleanedPartials, Is.EqualTo(new[] { s2 }));
        Assert.That(report.Sent.Single().Name, Is.EqualTo(s2));
        Assert.That(report.Sent.Single().Parent, Is.EqualTo(s1));
        Assert.That(report.Deleted, Is.EqualTo(new[] { s1 }));

        Assert.That(TargetState(), Is.EqualTo(target));
        Assert.That(File.ReadAllBytes(new CopyRecords(Backups).Path), Is.EqualTo(records));
        Assert.That(Shell.Run("find", SourceDisk.Mount, "-printf", "%p %y %s %T@\n").Output, Is.EqualTo(source));
    }

    [Test]
    public async Task A_dry_run_on_a_new_target_creates_no_incoming_directory_and_no_records()
    {
        WriteText("a.txt", "a");
        Snapshot();
        var report = await CopyAsync(options: new CopyOptions { DryRun = true });
        Assert.That(report.Error, Is.Null);
        Assert.That(report.Sent.Single().Full, Is.True);
        Assert.That(TargetNames(), Is.Empty);
        Assert.That(File.Exists(new CopyRecords(Backups).Path), Is.False);
    }

    [Test]
    public async Task An_unplugged_target_is_unavailable_and_nothing_changes()
    {
        WriteText("a.txt", "a");
        var s1 = Snapshot();
        Assert.That((await CopyAsync()).Error, Is.Null);
        var reachable = new CopyRecords(Backups).Read()[TargetPath].LastReachable;
        WriteText("b.txt", "b");
        Snapshot();
        var target = TargetState();
        Shell.Check("umount", TargetDisk.Mount);
        CopyReport report;
        try
        {
            report = await CopyAsync();
        }
        finally
        {
            Shell.Check("mount", "-o", "loop", TargetDisk.Image, TargetDisk.Mount);
        }
        Assert.That(report.Error, Is.InstanceOf<CopyTargetUnavailableException>());
        Assert.That(report.Error!.Message, Does.Contain(TargetPath).And.Contain("does not exist"));
        Assert.That(report.Sent, Is.Empty);
        Assert.That(TargetState(), Is.EqualTo(target));
        var record = new CopyRecords(Backups).Read()[TargetPath];
        Assert.That(record.LastReachable, Is.EqualTo(reachable));
        Assert.That(record.LastAttempt, Is.GreaterThan(reachable!.Value));
        Assert.That(record.LastError, Does.Contain("does not exist"));
        Assert.That(record.NewestCopy, Is.EqualTo(s1));
    }

    [Test]
    public async Task A_target_on_the_source_filesystem_is_refused()
    {
        WriteText("a.txt", "a");
        Snapshot();
        var same = Path.Combine(SourceDisk.Mount, "copies");
        Directory.CreateDirectory(same);
        var target = Parse(same);
        var config = Config() with { CopyTo = [target] };
        var service = new CopyService(BtrfsManager.Instance, t => new LocalCopyDestination(t, Backups, Log), TimeProvider.System, Log);
        var report = await service.CopyAsync(config, target, new CopyOptions(), CancellationToken.None);
        Assert.That(report.Error, Is.InstanceOf<Core.Engine.OperationFailedException>());
        Assert.That(report.Error!.Message, Does.Contain("same btrfs filesystem"));
        Assert.That(Directory.EnumerateFileSystemEntries(same), Is.Empty);

        // The destination refuses too when used alone.
        await using var destination = new LocalCopyDestination(target, Backups, Log);
        Assert.ThrowsAsync<Core.Engine.OperationFailedException>(() => destination.ConnectAsync(false, CancellationToken.None));
    }

    [Test]
    public async Task A_second_connection_to_the_same_target_waits_for_the_lock_then_fails_clearly()
    {
        await using var first = new LocalCopyDestination(Target, null, Log);
        await first.ConnectAsync(false, CancellationToken.None);
        await using var second = new LocalCopyDestination(Target, null, Log) { LockTimeout = TimeSpan.FromSeconds(1) };
        var e = Assert.ThrowsAsync<Core.Engine.OperationFailedException>(() => second.ConnectAsync(false, CancellationToken.None));
        Assert.That(e!.Message, Does.Contain("another copy to " + TargetPath + " is running"));
        await first.DisposeAsync();
        await using var third = new LocalCopyDestination(Target, null, Log) { LockTimeout = TimeSpan.FromSeconds(1) };
        await third.ConnectAsync(false, CancellationToken.None);
    }

    [Test]
    public async Task Delete_refuses_anything_but_a_finished_copy()
    {
        WriteText("a.txt", "a");
        var s1 = Snapshot();
        Assert.That((await CopyAsync()).Error, Is.Null);
        var writable = SnapshotName.Format(DateTimeOffset.Now.AddDays(-3));
        BtrfsManager.Instance.CreateSubvolume(TargetPath, writable);
        var readOnly = SnapshotName.Format(DateTimeOffset.Now.AddDays(-2));
        BtrfsManager.Instance.CreateSnapshot(TargetPath, writable, readOnly, readOnly: true);
        Directory.CreateDirectory(Path.Combine(TargetPath, "not-a-name"));

        await using var destination = new LocalCopyDestination(Target, null, Log);
        await destination.ConnectAsync(false, CancellationToken.None);
        foreach (var name in new[] { writable, readOnly, "not-a-name", LocalCopyDestination.IncomingName, "../x" })
        {
            Assert.ThrowsAsync<Core.Engine.OperationFailedException>(() => destination.DeleteAsync(name, CancellationToken.None), name);
        }
        Assert.That(TargetNames(), Does.Contain(writable).And.Contain(readOnly).And.Contain("not-a-name"));
        await destination.DeleteAsync(s1, CancellationToken.None);
        Assert.That(TargetNames(), Does.Not.Contain(s1));
    }
}
