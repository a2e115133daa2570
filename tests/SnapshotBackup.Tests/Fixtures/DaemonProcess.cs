using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace SnapshotBackup.Tests.Fixtures;

/// <summary>
/// The real <c>snapshotbackupd</c>: the NativeAOT executable users get, <c>artifacts/publish/snapshotbackupd</c> (built
/// by packaging/publish.sh, which tests/run.sh runs first), run as a child process with <c>NOTIFY_SOCKET</c>
/// pointing at a datagram socket this fixture binds in a temp directory. Every notify datagram and every output line
/// is collected in order. Dispose kills the daemon and its children (rsync) if still running and removes the socket.
/// </summary>
public sealed class DaemonProcess : IDisposable
{
    public const int SigHup = 1;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    private readonly string _directory;
    private readonly Socket _socket;
    private readonly Thread _receiver;
    private readonly Process _process;
    private readonly List<string> _notifications = [];
    private readonly List<string> _lines = [];
    private readonly List<TimeSpan> _lineTimes = [];
    private readonly object _gate = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private volatile bool _disposed;

    private DaemonProcess(string directory, Socket socket, Process process)
    {
        _directory = directory;
        _socket = socket;
        _process = process;
        _receiver = new Thread(Receive) { IsBackground = true, Name = "notify-receiver" };
    }

    /// <summary>
    /// The published daemon, <c>artifacts/publish/snapshotbackupd</c>. Fails when it is missing or older than the
    /// sources it is built from (run <c>bash packaging/publish.sh</c>), so a test never passes on a stale binary.
    /// </summary>
    public static string Executable => PublishedExecutable.Value;

    private static readonly Lazy<string> PublishedExecutable = new(FindPublishedExecutable);

    /// <summary>The daemon's process id (kept after it exited).</summary>
    public int Pid { get; private set; }

    /// <summary>The notify datagrams received so far, in order.</summary>
    public IReadOnlyList<string> Notifications
    {
        get
        {
            lock (_gate)
            {
                return [.. _notifications];
            }
        }
    }

    /// <summary>The stderr and stdout lines so far, in order of arrival.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>Time since the daemon was started, for reporting.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>When the line at <paramref name="index"/> of <see cref="Lines"/> arrived, on the <see cref="Elapsed"/> clock.</summary>
    public TimeSpan LineTime(int index)
    {
        lock (_gate)
        {
            return _lineTimes[index];
        }
    }

    /// <summary>Starts <c>snapshotbackupd -c CONFIG --state-file STATE --log console</c> with <c>NOTIFY_SOCKET</c> set.</summary>
    public static DaemonProcess Start(string configPath, string stateFile, params string[] extraArgs) =>
        Start(configPath, stateFile, null, extraArgs);

    /// <summary>As <see cref="Start(string, string, string[])"/>, with extra environment variables (later arguments win, e.g. <c>--log journal</c>).</summary>
    public static DaemonProcess Start(string configPath, string stateFile, IReadOnlyDictionary<string, string>? environment, params string[] extraArgs)
    {
        var directory = Directory.CreateTempSubdirectory("sbd-notify-").FullName;
        var socketPath = Path.Combine(directory, "notify");
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        DaemonProcess? daemon = null;
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(socketPath));
            socket.ReceiveTimeout = 200;
            var info = new ProcessStartInfo(Executable)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            foreach (var a in new[] { "-c", configPath, "--state-file", stateFile, "--log", "console" }.Concat(extraArgs))
            {
                info.ArgumentList.Add(a);
            }
            info.Environment["NOTIFY_SOCKET"] = socketPath;
            // Nothing of an outer service manager may leak in: no watchdog, no journal stream.
            foreach (var name in new[] { "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM", "INVOCATION_ID", "LISTEN_FDS", "LISTEN_PID" })
            {
                info.Environment.Remove(name);
            }
            foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            {
                info.Environment[name] = value;
            }
            var process = new Process { StartInfo = info, EnableRaisingEvents = true };
            daemon = new DaemonProcess(directory, socket, process);
            process.OutputDataReceived += (_, e) => daemon.AddLine(e.Data);
            process.ErrorDataReceived += (_, e) => daemon.AddLine(e.Data);
            daemon._receiver.Start();
            process.Start();
            daemon.Pid = process.Id;
            process.StandardInput.Close();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return daemon;
        }
        catch
        {
            if (daemon is not null)
            {
                daemon.Dispose();
            }
            else
            {
                socket.Dispose();
                Directory.Delete(directory, recursive: true);
            }
            throw;
        }
    }

    /// <summary>Waits for a notify datagram matching <paramref name="match"/>; returns its index in <see cref="Notifications"/>.</summary>
    public int WaitForNotify(Func<string, bool> match, TimeSpan timeout, int startIndex = 0) =>
        WaitFor(_notifications, match, timeout, startIndex, "notify datagram");

    /// <summary>Waits for an output line matching <paramref name="match"/>; returns its index in <see cref="Lines"/>.</summary>
    public int WaitForLog(Func<string, bool> match, TimeSpan timeout, int startIndex = 0) =>
        WaitFor(_lines, match, timeout, startIndex, "log line");

    /// <summary>Sends <paramref name="signo"/> to the daemon.</summary>
    public void Signal(int signo)
    {
        if (SnapshotBackup.Core.Internal.LibC.Kill(Pid, signo) != 0)
        {
            throw new InvalidOperationException($"kill({Pid}, {signo}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>The exit code, or null when the daemon still runs after <paramref name="timeout"/>.</summary>
    public int? WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            return null;
        }
        _process.WaitForExit(); // drains the redirected output
        return _process.ExitCode;
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Everything collected, for assertion messages.</summary>
    public string Describe()
    {
        lock (_gate)
        {
            var text = new StringBuilder();
            text.AppendLine(CultureInfo.InvariantCulture, $"--- notify ({_notifications.Count}):");
            foreach (var n in _notifications)
            {
                text.AppendLine(n.Replace('\n', '|'));
            }
            text.AppendLine(CultureInfo.InvariantCulture, $"--- output ({_lines.Count}):");
            foreach (var l in _lines)
            {
                text.AppendLine(l);
            }
            return text.ToString();
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already gone.
        }
        _disposed = true;
        _receiver.Join(2000);
        _socket.Dispose();
        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private int WaitFor(List<string> list, Func<string, bool> match, TimeSpan timeout, int startIndex, string what)
    {
        var found = -1;
        if (Poll.Until(() => (found = IndexOf(list, match, startIndex)) >= 0, timeout, TimeSpan.FromMilliseconds(20)))
        {
            return found;
        }
        throw new AssertionException($"no matching {what} within {timeout.TotalSeconds:0.#} s (daemon {(HasExited ? "exited" : "running")})\n{Describe()}");
    }

    private int IndexOf(List<string> list, Func<string, bool> match, int startIndex)
    {
        lock (_gate)
        {
            for (var i = startIndex; i < list.Count; i++)
            {
                if (match(list[i]))
                {
                    return i;
                }
            }
            return -1;
        }
    }

    private static string FindPublishedExecutable()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "SnapshotBackup.Daemon.sln")))
        {
            root = root.Parent;
        }
        if (root is null)
        {
            throw new InvalidOperationException("no SnapshotBackup.Daemon.sln above " + AppContext.BaseDirectory);
        }
        var executable = Path.Combine(root.FullName, "artifacts", "publish", "snapshotbackupd");
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException($"{executable} is missing: run 'bash packaging/publish.sh' first (tests/run.sh does)");
        }
        var built = File.GetLastWriteTimeUtc(executable);
        var newer = new[] { "src/SnapshotBackup.Daemon", "src/SnapshotBackup.Core" }
            .SelectMany(d => Directory.EnumerateFiles(Path.Combine(root.FullName, d), "*", SearchOption.AllDirectories))
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".csproj", StringComparison.Ordinal))
            .Concat(new[] { "Directory.Build.props", "Directory.Packages.props" }.Select(f => Path.Combine(root.FullName, f)))
            .FirstOrDefault(f => File.GetLastWriteTimeUtc(f) > built);
        if (newer is not null)
        {
            throw new InvalidOperationException($"{executable} is older than {Path.GetRelativePath(root.FullName, newer)}: run 'bash packaging/publish.sh' again");
        }
        return executable;
    }

    private void AddLine(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_gate)
        {
            _lines.Add(line);
            _lineTimes.Add(_clock.Elapsed);
        }
    }

    private void Receive()
    {
        var buffer = new byte[64 * 1024];
        while (!_disposed)
        {
            int n;
            try
            {
                n = _socket.Receive(buffer);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
            {
                continue;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }
            var text = Encoding.UTF8.GetString(buffer, 0, n);
            lock (_gate)
            {
                _notifications.Add(text);
            }
        }
    }
}
