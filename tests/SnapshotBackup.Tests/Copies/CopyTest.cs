using System.Text.RegularExpressions;
using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Copies;
using SnapshotBackup.Core.Volume;
using SnapshotBackup.Tests.Fixtures;
using SnapshotBackup.Tests.Unit.Btrfs;

namespace SnapshotBackup.Tests.Copies;

/// <summary>
/// Two real btrfs filesystems on loop images: the source volume (<c>.sync</c> and read-only timestamp-named snapshots,
/// made as the engine makes them) and the copy target, with a <see cref="CopyService"/> over the real
/// <see cref="LocalCopyDestination"/>, btrfs send and btrfs receive.
/// </summary>
[NonParallelizable]
public abstract class CopyTest
{
    protected LoopBtrfs SourceDisk { get; private set; } = null!;
    protected LoopBtrfs TargetDisk { get; private set; } = null!;
    protected RecordingLogger Log { get; private set; } = null!;

    protected string Backups => Path.Combine(SourceDisk.Mount, "backups");
    protected string Sync => Path.Combine(Backups, BackupVolume.SyncName);
    protected string TargetPath => Path.Combine(TargetDisk.Mount, "copies");
    protected CopyTarget Target => Parse(TargetPath);

    /// <summary>The size of the target image.</summary>
    protected virtual string TargetSize => "1G";

    private DateTimeOffset _clock = DateTimeOffset.Now.AddDays(-30);

    [SetUp]
    public void CreateDisks()
    {
        Log = new RecordingLogger();
        SourceDisk = LoopBtrfs.Create("1G");
        TargetDisk = LoopBtrfs.Create(TargetSize);
        Directory.CreateDirectory(Backups);
        BtrfsManager.Instance.CreateSubvolume(Backups, BackupVolume.SyncName);
        Directory.CreateDirectory(TargetPath);
    }

    [TearDown]
    public void RemoveDisks()
    {
        if (TestContext.CurrentContext.Result.Outcome.Status != NUnit.Framework.Interfaces.TestStatus.Passed)
        {
            foreach (var (level, text) in Log.Lines)
            {
                TestContext.Out.WriteLine($"{level}: {text}");
            }
        }
        TargetDisk?.Dispose();
        SourceDisk?.Dispose();
    }

    protected static CopyTarget Parse(string spec)
    {
        Assert.That(CopyTarget.TryParse(spec, out var target, out var error), Is.True, error);
        return target;
    }

    protected BackupConfig Config(bool autoPrune = false, bool autoDecay = false, Core.Time.Duration? copyDecay = null) => new()
    {
        Name = "copytest",
        Source = "/nonexistent",
        Backups = Backups,
        AutoPrune = autoPrune,
        AutoDecay = autoDecay,
        CopyDecay = copyDecay,
        CopyTo = [Target],
    };

    protected CopyService Service(TimeSpan? progressInterval = null) =>
        new(BtrfsManager.Instance, t => CopyDestinations.Open(t, Backups, Log), TimeProvider.System, Log)
        {
            ProgressInterval = progressInterval ?? TimeSpan.FromMilliseconds(250),
        };

    protected Task<CopyReport> CopyAsync(BackupConfig? config = null, CopyOptions? options = null, CopyService? service = null) =>
        (service ?? Service()).CopyAsync(config ?? Config(), Target, options ?? new CopyOptions(), CancellationToken.None);

    /// <summary>A read-only snapshot of .sync named by a time a few hours after the previous one (or at <paramref name="time"/>).</summary>
    protected string Snapshot(DateTimeOffset? time = null)
    {
        _clock = time ?? _clock.AddHours(3);
        var name = SnapshotName.Format(_clock);
        BtrfsManager.Instance.SyncFileSystem(Backups);
        BtrfsManager.Instance.CreateSnapshot(Backups, BackupVolume.SyncName, name, readOnly: true);
        return name;
    }

    protected void DeleteSnapshot(string name) => BtrfsManager.Instance.DeleteSubvolume(Backups, name);

    protected void WriteRandom(string relative, int megabytes)
    {
        var path = Path.Combine(Sync, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Shell.Check("dd", "if=/dev/urandom", $"of={path}", "bs=1M", $"count={megabytes}", "status=none");
    }

    protected void WriteText(string relative, string text)
    {
        var path = Path.Combine(Sync, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    /// <summary>A small tree with hard links, a symlink, an xattr, odd permissions.</summary>
    protected void WriteTree()
    {
        WriteText("docs/a.txt", "alpha\n");
        WriteText("docs/deep/b.txt", new string('b', 100_000));
        File.CreateSymbolicLink(Path.Combine(Sync, "docs/link"), "a.txt");
        Shell.Check("ln", Path.Combine(Sync, "docs/a.txt"), Path.Combine(Sync, "docs/hard"));
        Shell.Check("setfattr", "-n", "user.note", "-v", "hello", Path.Combine(Sync, "docs/a.txt"));
        Shell.Check("chmod", "640", Path.Combine(Sync, "docs/deep/b.txt"));
    }

    protected IReadOnlyList<string> TargetNames() =>
        Directory.EnumerateFileSystemEntries(TargetPath).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();

    /// <summary>The copy equals its source snapshot: rsync itemizes no difference (checksums, hard links, ACLs, xattrs),
    /// the copy is read-only and its received_uuid is the snapshot's uuid (read through the kernel here; see
    /// <see cref="AssertReceivedUuidByBtrfsProgs"/> for the independent oracle).</summary>
    protected void AssertCopyEquals(string name, string? copyName = null)
    {
        var copy = Path.Combine(TargetPath, copyName ?? name);
        var rsync = Shell.Run("rsync", "-naiHAXc", "--delete", Path.Combine(Backups, name) + "/", copy + "/");
        Assert.That(rsync.ExitCode, Is.Zero, rsync.ToString());
        Assert.That(rsync.Output, Is.Empty, $"{copy} differs from its source snapshot");
        var source = BtrfsManager.Identify(Backups, name)!.Value;
        var received = BtrfsManager.Identify(TargetPath, copyName ?? name)!.Value;
        Assert.That(received.ReadOnly, Is.True);
        Assert.That(received.ReceivedUuid, Is.EqualTo(source.SendIdentity));
    }

    protected void AssertReceivedUuidByBtrfsProgs(string name)
    {
        var source = Shell.Run("btrfs", "subvolume", "show", Path.Combine(Backups, name));
        var copy = Shell.Run("btrfs", "subvolume", "show", Path.Combine(TargetPath, name));
        var uuid = Regex.Match(source.Output, @"^\s*UUID:\s*(\S+)", RegexOptions.Multiline).Groups[1].Value;
        var received = Regex.Match(copy.Output, @"^\s*Received UUID:\s*(\S+)", RegexOptions.Multiline).Groups[1].Value;
        Assert.That(uuid, Does.Match("^[0-9a-f-]{36}$"), source.ToString());
        Assert.That(received, Is.EqualTo(uuid), copy.ToString());
        Assert.That(copy.Output, Does.Match(@"Flags:\s*readonly"));
        Assert.That(BtrfsManager.Identify(Backups, name)!.Value.Uuid.ToString(), Is.EqualTo(uuid), "the ioctl reads the uuid as btrfs-progs shows it");
    }

    /// <summary>Pids of btrfs processes (this test's children's children) with <paramref name="verb"/> and an argument containing <paramref name="marker"/>.</summary>
    protected static List<int> BtrfsProcesses(string verb, string marker) => ProcessScan.Btrfs(verb, marker);

    /// <summary>Every entry of the target filesystem with its type, size and mtime, and its subvolumes with flags: to
    /// compare before and after.</summary>
    protected string TargetState()
    {
        // Commit what is pending first: an unmount commits it too, and the generations would differ for that alone.
        Shell.Check("btrfs", "filesystem", "sync", TargetDisk.Mount);
        var find = Shell.Run("find", TargetDisk.Mount, "-printf", "%p %y %s %T@ %m\n");
        var subvolumes = Shell.Run("btrfs", "subvolume", "list", "-a", "-r", "-R", "-u", TargetDisk.Mount);
        var all = Shell.Run("btrfs", "subvolume", "list", "-a", "-u", TargetDisk.Mount);
        return string.Join('\n', find.Output.Split('\n').Order(StringComparer.Ordinal)) + "\n" + subvolumes.Output + all.Output;
    }
}
