using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Engine;
using SnapshotBackup.Core.FileSystem;
using SnapshotBackup.Core.Rsync;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Tests.Unit.Engine;

/// <summary>
/// A backups directory in memory behind Moq mocks of every seam of the engine: btrfs (on <c>/backups</c>), the files,
/// the mount table, the volume lock, rsync and the source probe, with a <see cref="SteppingClock"/>. No root, no disk.
/// </summary>
public sealed class FakeVolume
{
    public const string BtrfsRoot = "/backups";
    public const string VolumePath = "/backups/data1";
    public const string Source = "/data/source";

    public static readonly DateTimeOffset Now = new(2026, 6, 15, 12, 0, 0, 250, TimeSpan.Zero);

    public FakeVolume()
    {
        SetUpBtrfs();
        SetUpFiles();
        Locks.Setup(l => l.Acquire(It.IsAny<string>(), It.IsAny<string>())).Returns(Mock.Of<IDisposable>());
        Locks.Setup(l => l.AcquireAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<TimeSpan>(),
            It.IsAny<Action<VolumeLockedException>?>(), It.IsAny<CancellationToken>())).ReturnsAsync(Mock.Of<IDisposable>());
        Rsync.Setup(r => r.RunAsync(It.IsAny<RsyncOptions>(), It.IsAny<CancellationToken>(), It.IsAny<Action<int>?>()))
            .Callback((RsyncOptions options, CancellationToken _, Action<int>? _) =>
            {
                RsyncRuns.Add(options);
                DuringRsync?.Invoke();
            })
            .ReturnsAsync(new RsyncResult(0, 1234, TimeSpan.FromSeconds(2)));
        Probe.Setup(p => p.CheckAsync(It.IsAny<string>(), It.IsAny<CancellationToken>())).Returns(Task.CompletedTask);
    }

    /// <summary>The entries of the backups directory that btrfs sees (snapshots, <c>.sync</c>, look-alikes), by name.</summary>
    public Dictionary<string, SubvolumeKind> Entries { get; } = new(StringComparer.Ordinal);

    /// <summary>The directories that exist; <c>/srv</c> is one that is not on btrfs.</summary>
    public HashSet<string> Directories { get; } = new(StringComparer.Ordinal) { "/", BtrfsRoot, VolumePath, "/data", Source, "/srv" };

    public List<string> SourceEntries { get; } = ["file"];

    /// <summary>The contents of every snapshot, for the empty-source check.</summary>
    public List<string> SnapshotContents { get; } = ["file"];

    public FileIdentity? SourceIdentity { get; set; } = new FileIdentity(1, 100);

    /// <summary>Runs while rsync "copies": a test changes the world here.</summary>
    public Action? DuringRsync { get; set; }

    public List<RsyncOptions> RsyncRuns { get; } = [];

    public SteppingClock Clock { get; } = new(Now);

    public Mock<IBtrfsManager> Btrfs { get; } = new();
    public Mock<IBtrfsDirectory> Directory { get; } = new();
    public Mock<IFileSystem> Files { get; } = new();
    public Mock<IMountTable> Mounts { get; } = new();
    public Mock<IVolumeLocks> Locks { get; } = new();
    public Mock<IRsyncRunner> Rsync { get; } = new();
    public Mock<ISourceProbe> Probe { get; } = new();

    public BackupConfig Config { get; } = new() { Name = "data1", Source = Source, Backups = VolumePath };

    public EngineEnvironment Environment => new(Btrfs.Object, Mounts.Object, Files.Object, Locks.Object, Clock);

    public BackupEngine Engine() => new(Environment, Rsync.Object, Probe.Object, NullLogger.Instance);

    /// <summary>Adds a read-only snapshot named by <paramref name="time"/> and returns its name.</summary>
    public string AddSnapshot(DateTimeOffset time, SubvolumeKind kind = SubvolumeKind.ReadOnlySubvolume)
    {
        var name = SnapshotName.Format(time);
        Entries[name] = kind;
        return name;
    }

    public List<string> Snapshots() =>
        [.. Entries.Where(e => e.Value == SubvolumeKind.ReadOnlySubvolume && SnapshotName.TryParse(e.Key, out _)).Select(e => e.Key).Order(StringComparer.Ordinal)];

    /// <summary>Asserts that nothing was created, deleted, locked or synced: what every dry run promises.</summary>
    public void VerifyNothingWritten()
    {
        Btrfs.Verify(b => b.CreateSubvolume(It.IsAny<string>(), It.IsAny<string>()), Times.Never);
        Btrfs.Verify(b => b.CreateSnapshot(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<string>(), It.IsAny<bool>()), Times.Never);
        Btrfs.Verify(b => b.DeleteSubvolume(It.IsAny<string>(), It.IsAny<string>()), Times.Never);
        Btrfs.Verify(b => b.SyncFileSystem(It.IsAny<string>()), Times.Never);
        Directory.Verify(d => d.DeleteSubvolume(It.IsAny<string>()), Times.Never);
        Locks.Verify(l => l.Acquire(It.IsAny<string>(), It.IsAny<string>()), Times.Never);
        Locks.Verify(l => l.AcquireSyncLock(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<Action<string>?>()), Times.Never);
        Locks.Verify(l => l.AcquireAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<TimeSpan>(),
            It.IsAny<Action<VolumeLockedException>?>(), It.IsAny<CancellationToken>()), Times.Never);
        Files.Verify(f => f.CreateDirectory(It.IsAny<string>()), Times.Never);
        Files.Verify(f => f.DeleteDirectory(It.IsAny<string>()), Times.Never);
        Files.Verify(f => f.DeleteFile(It.IsAny<string>()), Times.Never);
    }

    private SubvolumeKind KindOf(string name) => Entries.GetValueOrDefault(name, SubvolumeKind.Missing);

    private void SetUpBtrfs()
    {
        Btrfs.Setup(b => b.IsBtrfs(It.IsAny<string>())).Returns((string p) => p == BtrfsRoot || p.StartsWith(BtrfsRoot + "/", StringComparison.Ordinal));
        Btrfs.Setup(b => b.Inspect(VolumePath, It.IsAny<string>())).Returns((string _, string n) => KindOf(n));
        Btrfs.Setup(b => b.OpenDirectory(VolumePath)).Returns(Directory.Object);
        Btrfs.Setup(b => b.CreateSubvolume(VolumePath, It.IsAny<string>())).Callback((string _, string n) => Entries[n] = SubvolumeKind.WritableSubvolume);
        Btrfs.Setup(b => b.CreateSnapshot(VolumePath, It.IsAny<string>(), It.IsAny<string>(), It.IsAny<bool>()))
            .Callback((string _, string _, string n, bool readOnly) => Entries[n] = readOnly ? SubvolumeKind.ReadOnlySubvolume : SubvolumeKind.WritableSubvolume);
        Btrfs.Setup(b => b.DeleteSubvolume(VolumePath, It.IsAny<string>())).Callback((string _, string n) => Entries.Remove(n));
        Directory.Setup(d => d.Inspect(It.IsAny<string>())).Returns((string n) => KindOf(n));
        Directory.Setup(d => d.DeleteSubvolume(It.IsAny<string>())).Callback((string n) => Entries.Remove(n));
    }

    private void SetUpFiles()
    {
        Files.Setup(f => f.DirectoryExists(It.IsAny<string>())).Returns((string p) => Directories.Contains(p));
        Files.Setup(f => f.EntryNames(It.IsAny<string>())).Returns((string p) => EntryNamesOf(p));
        Files.Setup(f => f.Identity(Source)).Returns(() => SourceIdentity);
        Files.Setup(f => f.CreateDirectory(It.IsAny<string>())).Callback((string p) => Directories.Add(p));
        Files.Setup(f => f.DeleteDirectory(It.IsAny<string>())).Callback((string p) => Directories.Remove(p));
    }

    private List<string> EntryNamesOf(string path) =>
        path == VolumePath ? [.. Entries.Keys]
        : path == Source ? SourceEntries
        : path.StartsWith(VolumePath + "/", StringComparison.Ordinal) ? SnapshotContents
        : [];
}
