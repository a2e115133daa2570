using SnapshotBackup.Core.State;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.DaemonEndToEnd;

/// <summary>
/// Base for tests of the real daemon: a fresh loopback btrfs with an existing backups directory for section data1, a
/// source directory with one file, a config file and a state file. Daemons started through <see cref="StartDaemon"/>
/// are killed, and the volume unmounted, after each test whatever its outcome.
/// </summary>
[Category("Daemon")]
[Category("Btrfs")]
[NonParallelizable]
public abstract class DaemonTest
{
    protected static readonly TimeSpan ReadyWait = TimeSpan.FromSeconds(10);
    protected static readonly TimeSpan LongWait = TimeSpan.FromSeconds(30);

    private readonly List<DaemonProcess> _daemons = [];

    protected LoopBtrfs Loop { get; private set; } = null!;
    protected string Source { get; private set; } = null!;
    protected string Backups { get; private set; } = null!;
    protected string ConfigPath { get; private set; } = null!;
    protected string StatePath { get; private set; } = null!;

    [SetUp]
    public void CreateVolume()
    {
        Loop = LoopBtrfs.Create();
        try
        {
            Source = Path.Combine(Loop.Root, "source");
            Directory.CreateDirectory(Source);
            File.WriteAllText(Path.Combine(Source, "a.txt"), "one");
            Backups = Path.Combine(Loop.Mount, "backups", "data1");
            Directory.CreateDirectory(Backups);
            ConfigPath = Path.Combine(Loop.Root, "config.ini");
            StatePath = Path.Combine(Loop.Root, "state", "state.json");
        }
        catch
        {
            Loop.Dispose();
            throw;
        }
    }

    [TearDown]
    public void RemoveVolume()
    {
        try
        {
            foreach (var daemon in _daemons)
            {
                if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
                {
                    TestContext.Out.WriteLine($"daemon {daemon.Pid}:\n{daemon.Describe()}");
                }
                daemon.Dispose();
            }
            _daemons.Clear();
        }
        finally
        {
            Loop?.Dispose();
        }
    }

    protected DaemonProcess StartDaemon() => StartDaemon(null);

    /// <summary>Starts the daemon with extra environment variables and arguments.</summary>
    protected DaemonProcess StartDaemon(IReadOnlyDictionary<string, string>? environment, params string[] extraArgs)
    {
        var daemon = DaemonProcess.Start(ConfigPath, StatePath, environment, extraArgs);
        _daemons.Add(daemon);
        return daemon;
    }

    /// <summary>A config section.</summary>
    protected static string Section(string name, string source, string backups, string schedule, string extra = "") =>
        $"[{name}]\nsource = {source}\nbackups = {backups}\nschedule = {schedule}\n{extra}\n";

    protected void WriteConfig(params string[] sections) => File.WriteAllText(ConfigPath, string.Concat(sections));

    /// <summary>The snapshots in <paramref name="backups"/>, oldest first (see <see cref="VolumeSnapshots"/>).</summary>
    protected static IReadOnlyList<string> Snapshots(string backups) => VolumeSnapshots.Names(backups);

    protected DaemonState? ReadState() => new StateFile(StatePath).Read();

    protected SectionState? SectionOf(string name) => ReadState()?.Sections.GetValueOrDefault(name);

    protected static void AssertReadOnlySnapshot(string path)
    {
        var ro = Shell.Run("btrfs", "property", "get", path, "ro");
        Assert.That(ro.Output, Does.Contain("ro=true"), $"{path}: {ro}");
    }

    /// <summary>Output lines at error level or above, or of a stack trace.</summary>
    protected static IReadOnlyList<string> ErrorLines(DaemonProcess daemon) =>
        daemon.Lines.Where(l => l.Contains(" ERR ", StringComparison.Ordinal) || l.Contains(" FTL ", StringComparison.Ordinal)
            || l.TrimStart().StartsWith("at ", StringComparison.Ordinal) || l.Contains("Exception", StringComparison.Ordinal)).ToList();

    /// <summary>Processes whose command line is rsync and mentions <paramref name="text"/>.</summary>
    protected static IReadOnlyList<int> RsyncProcesses(string text) => ProcessScan.Rsync(text);
}
