using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Core.Internal;
using SnapshotBackup.Core.Volume;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.Reliability;

/// <summary>
/// Base of the reliability suite: a fresh loop btrfs per test (from <see cref="VolumeTest"/>), processes started in
/// their own process groups and always killed, rsync children found by command line, and content hashes of trees.
/// </summary>
[Category("Reliability")]
public abstract class ReliabilityTest : VolumeTest
{
    private readonly List<Process> _started = [];
    private readonly List<IDisposable> _disposables = [];

    protected static readonly Random Rng = new(8);

    [TearDown]
    public void KillEverythingStarted()
    {
        foreach (var process in _started)
        {
            try
            {
                if (!process.HasExited)
                {
                    LibC.Kill(-process.Id, LibC.SIGKILL);
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
            }
            process.Dispose();
        }
        _started.Clear();
        foreach (var pid in ProcessScan.Rsync(Loop?.Root))
        {
            LibC.Kill(pid, LibC.SIGKILL);
        }
        foreach (var d in Enumerable.Reverse(_disposables))
        {
            d.Dispose();
        }
        _disposables.Clear();
    }

    protected T Own<T>(T disposable) where T : IDisposable
    {
        _disposables.Add(disposable);
        return disposable;
    }

    /// <summary>Starts a program in its own session and process group (setsid execs in place: pid = pgid).</summary>
    protected Process StartInGroup(IDictionary<string, string>? environment, string file, params string[] args)
    {
        var info = new ProcessStartInfo("setsid")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(file);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[k] = v;
        }
        info.Environment.Remove("NOTIFY_SOCKET");
        var process = Process.Start(info)!;
        _started.Add(process);
        process.StandardInput.Close();
        return process;
    }

    /// <summary>The CLI in its own process group; output collected in the background.</summary>
    protected RunningCli StartCli(params string[] args) =>
        new(StartInGroup(null, "dotnet", [CliProcess.Dll, "-c", ConfigPath, .. args]));

    protected sealed class RunningCli
    {
        public RunningCli(Process process)
        {
            Process = process;
            Output = process.StandardOutput.ReadToEndAsync();
            Error = process.StandardError.ReadToEndAsync();
        }

        public Process Process { get; }
        public Task<string> Output { get; }
        public Task<string> Error { get; }
        public int Pid => Process.Id;

        public void Kill9(bool wholeGroup)
        {
            LibC.Kill(wholeGroup ? -Pid : Pid, LibC.SIGKILL);
            Assert.That(Process.WaitForExit(30_000), Is.True, "the killed process is gone");
        }

        public void Signal(int signal) => LibC.Kill(Pid, signal);

        public Shell.Result Wait(TimeSpan timeout)
        {
            if (!Process.WaitForExit(timeout))
            {
                Assert.Fail($"pid {Pid} did not exit within {timeout}");
            }
            Process.WaitForExit();
            return new Shell.Result(Process.ExitCode, Output.Result, Error.Result);
        }
    }

    /// <summary>
    /// The usual start of a fault: <paramref name="files"/> files in the source, <c>setup</c>, one good backup; returns
    /// every snapshot's fingerprint, to check with <see cref="AssertSnapshotsIntact"/> after the fault.
    /// </summary>
    protected Dictionary<string, Dictionary<string, (string Meta, long Size)>> BackUpFilledSource(int files)
    {
        FillSource(files);
        CliOk("setup", "data1");
        CliOk("backup", "data1");
        return HashSnapshots();
    }

    /// <summary>
    /// Adds a sparse file of <paramref name="bigFileSize"/> (truncate's sizes: <c>40G</c>) so that rsync takes a while,
    /// starts a backup in its own process group and returns once its rsync runs.
    /// </summary>
    protected RunningCli StartBackupBusyInRsync(string bigFileSize)
    {
        Shell.Check("truncate", "-s", bigFileSize, Path.Combine(Source, "big"));
        var cli = StartCli("backup", "data1");
        ProcessScan.AwaitRsync(Loop.Root, cli.Process, TimeSpan.FromSeconds(90), () => cli.Error.Result);
        return cli;
    }

    /// <summary>rsync children of this test still alive 10 s after their parent died (should be none).</summary>
    protected List<int> SurvivingRsync() => ProcessScan.SurvivingRsync(Loop.Root);

    /// <summary>
    /// A content fingerprint of a tree: path → type, mode, owner, size and sha256 of contents (link target for
    /// symlinks). Never follows symlinks.
    /// </summary>
    protected static Dictionary<string, (string Meta, long Size)> HashTree(string root)
    {
        var result = new Dictionary<string, (string, long)>(StringComparer.Ordinal);
        void Walk(string dir, string relative)
        {
            foreach (var entry in new DirectoryInfo(dir).EnumerateFileSystemInfos())
            {
                var rel = relative.Length == 0 ? entry.Name : relative + "/" + entry.Name;
                if (entry.LinkTarget is { } target)
                {
                    result[rel] = ("link:" + target, 0);
                }
                else if (entry is DirectoryInfo sub)
                {
                    result[rel] = ("dir:" + (int)sub.UnixFileMode, 0);
                    Walk(sub.FullName, rel);
                }
                else if (entry is FileInfo file && (file.Attributes & FileAttributes.Device) == 0 && file.UnixFileMode.HasFlag(UnixFileMode.UserRead) | Environment.IsPrivilegedProcess)
                {
                    try
                    {
                        using var stream = File.OpenRead(file.FullName);
                        result[rel] = ("file:" + (int)file.UnixFileMode + ":" + Convert.ToHexString(SHA256.HashData(stream)), file.Length);
                    }
                    catch (IOException)
                    {
                        result[rel] = ("special:" + (int)file.UnixFileMode, 0);
                    }
                }
                else
                {
                    result[rel] = ("special", 0);
                }
            }
        }
        Walk(root, string.Empty);
        return result;
    }

    /// <summary>Every snapshot of the volume with its fingerprint.</summary>
    protected Dictionary<string, Dictionary<string, (string Meta, long Size)>> HashSnapshots() =>
        SnapshotNames().ToDictionary(n => n, n => HashTree(Path.Combine(Backups, n)));

    /// <summary>Asserts the snapshots recorded earlier are still there, unchanged; counts lost bytes into the figures.</summary>
    protected void AssertSnapshotsIntact(Dictionary<string, Dictionary<string, (string Meta, long Size)>> before, IEnumerable<string>? mayBeGone = null)
    {
        var gone = new HashSet<string>(mayBeGone ?? [], StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var (name, tree) in before)
        {
            var path = Path.Combine(Backups, name);
            if (!Directory.Exists(path))
            {
                if (!gone.Contains(name))
                {
                    Interlocked.Add(ref Figures.BytesLost, tree.Values.Sum(v => v.Size));
                    problems.Add($"{name} is gone");
                }
                continue;
            }
            var now = HashTree(path);
            foreach (var (rel, meta) in tree)
            {
                if (!now.TryGetValue(rel, out var m) || m != meta)
                {
                    Interlocked.Add(ref Figures.BytesLost, meta.Size);
                    problems.Add($"{name}/{rel} changed");
                }
            }
            if (now.Count != tree.Count)
            {
                problems.Add($"{name} has {now.Count} entries, had {tree.Count}");
            }
        }
        Assert.That(problems, Is.Empty, "older snapshots are byte-identical");
    }

    /// <summary>Every entry with a snapshot's name is a read-only snapshot and equals <paramref name="expected"/>.</summary>
    protected void AssertEverySnapshotIsComplete(Dictionary<string, (string Meta, long Size)> expected, IEnumerable<string>? except = null)
    {
        var listing = new BackupVolume(Backups, BtrfsManager.Instance).List();
        Assert.That(listing.Skipped, Is.Empty, "nothing with a snapshot's name that is not a read-only snapshot");
        var skip = new HashSet<string>(except ?? [], StringComparer.Ordinal);
        foreach (var s in listing.Snapshots.Where(s => !skip.Contains(s.Name)))
        {
            Assert.That(HashTree(Path.Combine(Backups, s.Name)), Is.EquivalentTo(expected), $"snapshot {s.Name} is a complete copy");
        }
    }

    protected static void AssertNoStackTrace(Shell.Result result)
    {
        var text = result.Output + result.Error;
        Assert.That(text, Does.Not.Contain("   at "), "no stack trace");
        Assert.That(text, Does.Not.Contain("Unhandled exception"), "no unhandled exception");
    }

    protected static string Id(int pid) => pid.ToString(CultureInfo.InvariantCulture);

    /// <summary>Many small files, so rsync takes a little while and a partial copy is recognisable.</summary>
    protected void FillSource(int files, string tag = "")
    {
        for (var i = 0; i < files; i++)
        {
            var dir = Path.Combine(Source, "d" + (i % 20).ToString(CultureInfo.InvariantCulture));
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "f" + i.ToString(CultureInfo.InvariantCulture)), tag + new string('x', i % 700));
        }
    }

    /// <summary>Relative paths of every entry under <paramref name="root"/> (lstat, no symlink following).</summary>
    protected static SortedSet<string> Entries(string root) =>
        new(Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true })
            .Select(p => Path.GetRelativePath(root, p)), StringComparer.Ordinal);

    protected static string Utf8(byte[] b) => Encoding.UTF8.GetString(b);
}
