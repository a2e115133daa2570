using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Tests.Fixtures;

/// <summary>
/// Base for end-to-end tests: a fresh loopback btrfs, a source directory and a config with one section 'data1'
/// whose backups live on the btrfs. Everything is removed after each test.
/// </summary>
[Category("Btrfs")]
public abstract class VolumeTest
{
    protected LoopBtrfs Loop { get; private set; } = null!;
    protected string Source { get; private set; } = null!;
    protected string Backups { get; private set; } = null!;
    protected string ConfigPath { get; private set; } = null!;

    /// <summary>The loopback image's size (truncate's syntax); 1G unless a test class needs a small volume to fill.</summary>
    protected virtual string VolumeSize => "1G";

    [SetUp]
    public void CreateVolume()
    {
        Loop = LoopBtrfs.Create(VolumeSize);
        Source = Path.Combine(Loop.Root, "source");
        Directory.CreateDirectory(Source);
        Backups = Path.Combine(Loop.Mount, "backups", "data1");
        ConfigPath = Path.Combine(Loop.Root, "config.ini");
        WriteConfig(string.Empty);
    }

    [TearDown]
    public void RemoveVolume() => Loop?.Dispose();

    /// <summary>Writes the config with extra lines for section data1.</summary>
    protected void WriteConfig(string extra) =>
        File.WriteAllText(ConfigPath, $"[data1]\nsource = {Source}\nbackups = {Backups}\n{extra}\n");

    protected Shell.Result Cli(params string[] args) => CliProcess.Run(["-c", ConfigPath, .. args]);

    protected Shell.Result CliOk(params string[] args)
    {
        var result = Cli(args);
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        return result;
    }

    /// <summary>The snapshots of section data1, oldest first (see <see cref="VolumeSnapshots"/>).</summary>
    protected IReadOnlyList<string> SnapshotNames() => VolumeSnapshots.Names(Backups);

    /// <summary>Makes a read-only snapshot of .sync with a chosen name, as the Python tool's btrfs-progs call did.</summary>
    protected void MakeSnapshot(string name) =>
        Shell.Check("btrfs", "subvolume", "snapshot", "-r", Path.Combine(Backups, ".sync"), Path.Combine(Backups, name));

    /// <summary>Creates the backups directory and an empty writable .sync with btrfs-progs, as the Python tool did.</summary>
    protected void CreateSyncByHand()
    {
        Directory.CreateDirectory(Backups);
        Shell.Check("btrfs", "subvolume", "create", Path.Combine(Backups, ".sync"));
    }

    /// <summary>A snapshot name for the given day (days ago, read in <paramref name="offset"/>) at a chosen time of day.</summary>
    protected static string NameAt(int daysAgo, TimeSpan timeOfDay, TimeSpan offset)
    {
        var day = DateTimeOffset.UtcNow.ToOffset(offset).AddDays(-daysAgo).Date;
        return SnapshotName.Format(new DateTimeOffset(day + timeOfDay, offset));
    }

    /// <summary>A snapshot name <paramref name="age"/> before now, in <paramref name="offset"/>, to the second.</summary>
    protected static string NameAgo(TimeSpan age, TimeSpan offset)
    {
        var t = (DateTimeOffset.UtcNow - age).ToOffset(offset);
        return SnapshotName.Format(t.AddTicks(-(t.Ticks % TimeSpan.TicksPerSecond)));
    }

    protected static TimeSpan LocalOffset => DateTimeOffset.Now.Offset;

    protected static readonly TimeSpan India = new(5, 30, 0);

    protected static void WriteFile(string path, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }
}
