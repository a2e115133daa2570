using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Core.Internal;
using SnapshotBackup.Core.Volume;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.Reliability;

/// <summary>Signals, a full disk, an absent disk, source trouble, damaged volume state and hostile volume contents.</summary>
public class FaultTests : ReliabilityTest
{
    private const int SIGINT = 2;

    [TestCase(SIGINT, false)]
    [TestCase(LibC.SIGTERM, false)]
    [TestCase(SIGINT, true)]
    public void A_signal_during_a_backup_stops_it_within_15_s_with_no_child_and_no_partial_snapshot(int signal, bool wholeGroup)
    {
        var fault = $"{(signal == SIGINT ? "SIGINT" : "SIGTERM")} to the {(wholeGroup ? "process group" : "process")} during rsync";
        Figures.Inject(fault);
        var before = BackUpFilledSource(100);
        var cli = StartBackupBusyInRsync("40G");

        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        // Ctrl-C at a terminal signals the whole foreground process group, rsync included.
        LibC.Kill(wholeGroup ? -cli.Pid : cli.Pid, signal);
        var result = cli.Wait(TimeSpan.FromSeconds(15));
        TestContext.Progress.WriteLine($"{fault}: exit {result.ExitCode} after {stopwatch.Elapsed.TotalSeconds:0.0} s");

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Error, Does.Contain("no snapshot was taken"));
        AssertNoStackTrace(result);
        Assert.That(SurvivingRsync(), Is.Empty);
        Assert.That(SnapshotNames(), Is.EqualTo(before.Keys));
        AssertSnapshotsIntact(before);
        File.Delete(Path.Combine(Source, "big"));
        CliOk("backup", "data1");
        AssertEverySnapshotIsComplete(HashTree(Source));
        Figures.Survive(fault);
    }

    [Test]
    public void A_full_disk_fails_saying_the_volume_is_full_keeps_older_snapshots_and_the_next_run_works_once_space_is_freed()
    {
        const string fault = "backup volume full";
        Figures.Inject(fault);
        var small = Own(LoopBtrfs.Create("256M"));
        var backups = Path.Combine(small.Mount, "backups", "data1");
        File.WriteAllText(ConfigPath, $"[data1]\nsource = {Source}\nbackups = {backups}\n");
        FillSource(50);
        CliOk("setup", "data1");
        CliOk("backup", "data1");
        var older = VolumeSnapshots.Names(backups);
        var before = older.ToDictionary(n => n, n => HashTree(Path.Combine(backups, n)));
        // Incompressible data bigger than the whole volume.
        Shell.Check("dd", "if=/dev/urandom", "of=" + Path.Combine(Source, "big.bin"), "bs=1M", "count=300", "status=none");

        var result = Cli("backup", "data1");

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Error, Does.Contain("the backup volume is full"), result.ToString());
        Assert.That(result.Error, Does.Match(@"MiB free of \d+\.\d MiB; the source holds about 300\.\d MiB"), "how much space there is and is needed");
        Assert.That(result.Error, Does.Contain("run the backup again"), "what to do");
        AssertNoStackTrace(result);
        Assert.That(VolumeSnapshots.Names(backups), Is.EqualTo(older), "no snapshot of the incomplete copy");
        foreach (var (name, tree) in before)
        {
            Assert.That(HashTree(Path.Combine(backups, name)), Is.EquivalentTo(tree), $"{name} intact");
        }
        Assert.That(SurvivingRsync(), Is.Empty);

        File.Delete(Path.Combine(Source, "big.bin"));
        var created = CliOk("backup", "data1").Output.Trim();
        Assert.That(HashTree(Path.Combine(backups, created)), Is.EquivalentTo(HashTree(Source)));
        Figures.Survive(fault);
    }

    [TestCase("backup")]
    [TestCase("list")]
    [TestCase("prune")]
    [TestCase("decay")]
    [TestCase("destroy")]
    [TestCase("clean")]
    [TestCase("setup")]
    public void With_the_disk_not_mounted_every_command_is_refused_fast_and_writes_nothing_anywhere(string command)
    {
        var fault = $"disk not mounted: {command}";
        Figures.Inject(fault);
        WriteFile(Path.Combine(Source, "a.txt"), "small");
        // The mount point exists, empty, on the root filesystem (ext4 here), as when the USB disk is not plugged in.
        var mountPoint = Path.Combine(Loop.Root, "media-usb");
        Directory.CreateDirectory(mountPoint);
        if (BtrfsManager.Instance.IsBtrfs(mountPoint))
        {
            Assert.Ignore("the temp directory is on btrfs here");
        }
        File.WriteAllText(ConfigPath, $"[data1]\nsource = {Source}\nbackups = {Path.Combine(mountPoint, "backups", "data1")}\n");
        var everything = Entries(Loop.Root);

        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var result = Cli(command, "data1", "--yes");

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Error, Does.Contain("btrfs").Or.Contain("not mounted"), result.ToString());
        AssertNoStackTrace(result);
        Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(60)));
        var now = Entries(Loop.Root);
        Interlocked.Add(ref Figures.StrayWrites, now.Except(everything).Count());
        Assert.That(now, Is.EquivalentTo(everything), "nothing was created anywhere");
        Figures.Survive(fault);
    }

    [Test]
    public void A_source_renamed_away_while_rsync_runs_fails_the_backup_with_no_snapshot()
    {
        const string fault = "source renamed away during rsync";
        Figures.Inject(fault);
        var before = BackUpFilledSource(100);
        var cli = StartBackupBusyInRsync("6G");
        Thread.Sleep(700);
        var gone = Source + ".gone";
        Directory.Move(Source, gone);

        var result = cli.Wait(TimeSpan.FromMinutes(5));

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        // Renamed while rsync copies: the engine notices the source changed identity. Renamed before rsync's sender
        // entered it: rsync itself fails. Either way a failure with no snapshot.
        Assert.That(result.Error, Does.Contain("disappeared or was replaced").Or.Contain("change_dir"), result.ToString());
        TestContext.Progress.WriteLine("source renamed away: " + result.Error.Trim().Split('\n')[^1]);
        AssertNoStackTrace(result);
        Assert.That(SnapshotNames(), Is.EqualTo(before.Keys), "no snapshot");
        AssertSnapshotsIntact(before);
        Directory.Move(gone, Source);
        File.Delete(Path.Combine(Source, "big"));
        CliOk("backup", "data1");
        AssertEverySnapshotIsComplete(HashTree(Source));
        Figures.Survive(fault);
    }

    [TestCase(false)]
    [TestCase(true)]
    public void A_suddenly_empty_source_is_refused_unless_allow_empty_source(bool allow)
    {
        var fault = $"source suddenly empty (allow_empty_source = {allow.ToString().ToLowerInvariant()})";
        Figures.Inject(fault);
        FillSource(30);
        WriteConfig("autoprune = true\nretain_all = '1 day'\nretain_daily = '1 week'" + (allow ? "\nallow_empty_source = true" : string.Empty));
        CliOk("setup", "data1");
        CliOk("backup", "data1");
        var before = HashSnapshots();
        foreach (var entry in Directory.EnumerateFileSystemEntries(Source))
        {
            Directory.Delete(entry, recursive: true);
        }

        var result = Cli("backup", "data1");

        AssertNoStackTrace(result);
        if (allow)
        {
            Assert.That(result.ExitCode, Is.Zero, result.ToString());
            Assert.That(SnapshotNames(), Has.Count.EqualTo(2));
            Assert.That(Directory.EnumerateFileSystemEntries(Path.Combine(Backups, result.Output.Trim())), Is.Empty);
        }
        else
        {
            Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
            Assert.That(result.Error, Does.Contain("warning:").And.Contain("is empty").And.Contain("allow_empty_source = true"));
            Assert.That(SnapshotNames(), Is.EqualTo(before.Keys));
        }
        AssertSnapshotsIntact(before);
        Figures.Survive(fault);
    }

    [Test]
    public void A_missing_sync_is_recreated_from_the_newest_backup()
    {
        const string fault = ".sync missing";
        Figures.Inject(fault);
        var before = BackUpFilledSource(40);
        BtrfsManager.Instance.DeleteSubvolume(Backups, BackupVolume.SyncName);
        File.WriteAllText(Path.Combine(Source, "new.txt"), "new");

        var result = CliOk("backup", "data1");

        AssertNoStackTrace(result);
        Assert.That(HashTree(Path.Combine(Backups, result.Output.Trim())), Is.EquivalentTo(HashTree(Source)));
        AssertSnapshotsIntact(before);
        Figures.Survive(fault);
    }

    [TestCase("plain directory")]
    [TestCase("read-only subvolume")]
    [TestCase("file")]
    public void A_damaged_sync_is_refused_with_advice_that_works(string damage)
    {
        var fault = $".sync a {damage}";
        Figures.Inject(fault);
        var before = BackUpFilledSource(40);
        var sync = Path.Combine(Backups, BackupVolume.SyncName);
        BtrfsManager.Instance.DeleteSubvolume(Backups, BackupVolume.SyncName);
        switch (damage)
        {
            case "plain directory":
                Directory.CreateDirectory(sync);
                File.WriteAllText(Path.Combine(sync, "precious"), "not ours");
                break;
            case "read-only subvolume":
                Shell.Check("btrfs", "subvolume", "snapshot", Path.Combine(Backups, before.Keys.First()), sync);
                Shell.Check("btrfs", "property", "set", sync, "ro", "true");
                break;
            default:
                File.WriteAllText(sync, "a file");
                break;
        }
        File.WriteAllText(Path.Combine(Source, "new.txt"), "new");

        var result = Cli("backup", "data1");

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        AssertNoStackTrace(result);
        Assert.That(SnapshotNames(), Is.EqualTo(before.Keys), "no snapshot");
        AssertSnapshotsIntact(before);
        if (damage == "read-only subvolume")
        {
            Assert.That(result.Error, Does.Contain($"btrfs property set {sync} ro false"));
            Shell.Check("btrfs", "property", "set", sync, "ro", "false");
        }
        else
        {
            Assert.That(result.Error, Does.Contain("move it out of the way"));
            if (damage == "plain directory")
            {
                Assert.That(File.ReadAllText(Path.Combine(sync, "precious")), Is.EqualTo("not ours"), "left alone");
            }
            Shell.Check("mv", sync, Path.Combine(Loop.Root, "moved-away"));
        }
        var created = CliOk("backup", "data1").Output.Trim();
        Assert.That(HashTree(Path.Combine(Backups, created)), Is.EquivalentTo(HashTree(Source)), "following the advice works");
        AssertSnapshotsIntact(before);
        Figures.Survive(fault);
    }

    [TestCase(false)]
    [TestCase(true)]
    public void A_sync_symlink_pointing_outside_is_never_written_through(bool toSubvolume)
    {
        var fault = $".sync a symlink to an outside {(toSubvolume ? "subvolume" : "directory")}";
        Figures.Inject(fault);
        var before = BackUpFilledSource(20);
        BtrfsManager.Instance.DeleteSubvolume(Backups, BackupVolume.SyncName);
        var outside = Path.Combine(Loop.Mount, "outside");
        if (toSubvolume)
        {
            Shell.Check("btrfs", "subvolume", "create", outside);
        }
        else
        {
            Directory.CreateDirectory(outside);
        }
        File.WriteAllText(Path.Combine(outside, "keep.txt"), "keep");
        File.CreateSymbolicLink(Path.Combine(Backups, BackupVolume.SyncName), outside);

        foreach (var command in new[] { "backup", "prune", "decay", "clean" })
        {
            var result = Cli(command, "data1", "--yes");
            AssertNoStackTrace(result);
            if (command == "backup")
            {
                Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
                Assert.That(result.Error, Does.Contain("symlink"));
            }
            Assert.That(Entries(outside), Is.EquivalentTo(new[] { "keep.txt" }), $"{command} wrote nothing through the symlink");
            Assert.That(File.ReadAllText(Path.Combine(outside, "keep.txt")), Is.EqualTo("keep"));
        }
        Assert.That(SnapshotNames(), Is.EqualTo(before.Keys));
        AssertSnapshotsIntact(before);
        Figures.Survive(fault);
    }

    [Test]
    public void Autoprune_in_backup_skips_hostile_entries_with_snapshot_names_and_says_so()
    {
        const string fault = "hostile entries with snapshot names during backup autoprune";
        Figures.Inject(fault);
        FillSource(20);
        WriteConfig("autoprune = true\nautodecay = true\nretain_all = '1 day'\nretain_daily = '1 week'\ndecay = '1 week'");
        CliOk("setup", "data1");
        var old = DateTimeOffset.Now.AddYears(-2);
        old = old.AddTicks(-(old.Ticks % TimeSpan.TicksPerSecond));
        var writable = SnapshotName.Format(old);
        var symlink = SnapshotName.Format(old.AddDays(1));
        var plain = SnapshotName.Format(old.AddDays(2));
        var file = SnapshotName.Format(old.AddDays(3));
        var realOld = SnapshotName.Format(old.AddDays(4));
        Shell.Check("btrfs", "subvolume", "create", Path.Combine(Backups, writable));
        File.WriteAllText(Path.Combine(Backups, writable, "w"), "writable");
        var outside = Path.Combine(Loop.Mount, "outside");
        Shell.Check("btrfs", "subvolume", "snapshot", "-r", Path.Combine(Loop.Mount), outside);
        File.CreateSymbolicLink(Path.Combine(Backups, symlink), outside);
        Directory.CreateDirectory(Path.Combine(Backups, plain));
        File.WriteAllText(Path.Combine(Backups, plain, "p"), "plain");
        File.WriteAllText(Path.Combine(Backups, file), "file");
        Directory.CreateDirectory(Path.Combine(Backups, "unrelated"));
        CliOk("backup", "data1");
        BtrfsManager.Instance.CreateSnapshot(Backups, BackupVolume.SyncName, realOld, readOnly: true);

        var result = CliOk("backup", "data1");

        AssertNoStackTrace(result);
        Assert.That(result.Error, Does.Contain("skipped " + writable).And.Contain("skipped " + symlink).And.Contain("skipped " + plain).And.Contain("skipped " + file));
        Assert.That(Directory.Exists(Path.Combine(Backups, realOld)), Is.False, "the real old snapshot was decayed");
        Assert.That(File.ReadAllText(Path.Combine(Backups, writable, "w")), Is.EqualTo("writable"));
        Assert.That(File.ReadAllText(Path.Combine(Backups, plain, "p")), Is.EqualTo("plain"));
        Assert.That(File.ReadAllText(Path.Combine(Backups, file)), Is.EqualTo("file"));
        Assert.That(new FileInfo(Path.Combine(Backups, symlink)).LinkTarget, Is.EqualTo(outside));
        Assert.That(BtrfsManager.Instance.Inspect(Loop.Mount, "outside"), Is.EqualTo(SubvolumeKind.ReadOnlySubvolume), "the symlink's target is untouched");
        Assert.That(Directory.Exists(Path.Combine(Backups, "unrelated")), Is.True);
        Assert.That(SnapshotNames(), Has.Count.EqualTo(2), "both real backups of this run and the one before survive");
        Figures.Survive(fault);
    }

    [Test]
    public void A_stale_python_sync_lock_does_not_block_and_is_mentioned_once()
    {
        const string fault = "stale .sync_lock of the Python tool";
        Figures.Inject(fault);
        FillSource(10);
        CliOk("setup", "data1");
        File.WriteAllText(Path.Combine(Backups, BackupVolume.LegacyLockName), "12345");

        var result = CliOk("backup", "data1");

        var mentions = result.Error.Split('\n').Count(l => l.Contains(".sync_lock", StringComparison.Ordinal));
        Assert.That(mentions, Is.EqualTo(1), result.Error);
        Assert.That(File.Exists(Path.Combine(Backups, BackupVolume.LegacyLockName)), Is.False, "taken over and removed at the end");
        AssertEverySnapshotIsComplete(HashTree(Source));
        Figures.Survive(fault);
    }
}
