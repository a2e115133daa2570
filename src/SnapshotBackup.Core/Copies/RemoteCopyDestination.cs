using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Engine;
using SnapshotBackup.Core.Internal;
using SnapshotBackup.Core.Processes;

namespace SnapshotBackup.Core.Copies;

/// <summary>
/// A copy target on another host, <c>[user@]host:/path</c>, behind <c>snapshotbackup serve --copies /path</c> (see
/// <see cref="CopyServer"/>, <see cref="CopyProtocol"/>). Every call is one
/// <c>ssh -o BatchMode=yes -o ConnectTimeout=N -T -- [user@]host snapshotbackup serve --copies '/path' VERB ARGS</c>, the
/// remote command quoted for the remote shell (a forced command ignores it but for the request it carries). The server
/// takes the target's lock for each verb. Connect is <c>hello</c> (our protocol version, else the mismatch named) and
/// <c>clean</c> (the server deletes what cut receives left in <c>.incoming</c>).
/// </summary>
public sealed class RemoteCopyDestination : ICopyDestination
{
    private readonly ProcessRunner _runner;
    private readonly ILogger _logger;

    public RemoteCopyDestination(CopyTarget target, ProcessRunner runner, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (!target.IsRemote)
        {
            throw new ArgumentException($"{target} is not a remote target", nameof(target));
        }
        Target = target;
        _runner = runner;
        _logger = logger;
    }

    /// <summary>The destination for <paramref name="target"/> as <see cref="CopyDestinations.Open"/> opens it.</summary>
    public static RemoteCopyDestination Create(CopyTarget target, ILogger logger, TimeSpan? connectTimeout = null) =>
        connectTimeout is { } timeout
            ? new(target, new ProcessRunner(logger), logger) { ConnectTimeout = timeout }
            : new(target, new ProcessRunner(logger), logger);

    public CopyTarget Target { get; }

    /// <summary>Extra ssh options placed before the destination (tests: <c>-F config</c>).</summary>
    public IReadOnlyList<string> SshOptions { get; init; } = [];

    /// <summary>ssh's connect timeout: an unreachable host is a quiet skip after this long.</summary>
    public TimeSpan ConnectTimeout { get; init; } = Ssh.ProbeConnectTimeout;

    /// <summary>The longest a verb other than the transfer itself may take (a delete of a large copy included).</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>After the stream's end: the longest the remote may take to finish, verify and publish the copy.</summary>
    public TimeSpan FinishTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>This side's product version (tests: a different one).</summary>
    public string LocalVersion { get; init; } = ProductVersion;

    /// <summary>What the server said at connect; null before.</summary>
    public RemoteHello? Hello { get; private set; }

    /// <summary>The highest send stream version the remote receives (its hello's <c>send-protocol</c>; 1 until connected).</summary>
    public int MaxStreamVersion => Hello?.SendProtocol ?? 1;

    public static string ProductVersion { get; } =
        typeof(RemoteCopyDestination).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    private string Host => Target.Host!;

    public async Task<IReadOnlyList<string>> ConnectAsync(bool dryRun, CancellationToken cancellationToken)
    {
        var (code, lines, tail) = await RunAsync("hello", [], connecting: true, cancellationToken);
        var hello = code == 0 ? CopyProtocol.ParseHello(string.Join('\n', lines)) : null;
        if (hello is null)
        {
            throw Failure("hello", code, tail, lines);
        }
        if (hello.Protocol != CopyProtocol.Version)
        {
            throw new OperationFailedException(
                $"the remote snapshotbackup at {Host} is {hello.ProductVersion}, this is {LocalVersion} (copy protocol {hello.Protocol} vs {CopyProtocol.Version}); install the same version");
        }
        if (hello.ProductVersion != LocalVersion)
        {
            _logger.LogInformation("the remote snapshotbackup at {Host} is {Remote}, this is {Local} (same copy protocol {Protocol})",
                Host, hello.ProductVersion, LocalVersion, hello.Protocol);
        }
        Hello = hello;
        return await CheckedAsync("clean", dryRun ? [CopyProtocol.DryRunArgument] : [], cancellationToken);
    }

    public async Task<IReadOnlyList<CopyEntry>> ListAsync(CancellationToken cancellationToken)
    {
        var lines = await CheckedAsync("list", [], cancellationToken);
        try
        {
            return lines.Select(CopyProtocol.ParseEntry).OrderBy(e => e.Time).ToList();
        }
        catch (FormatException e)
        {
            throw new OperationFailedException($"the list from {Target} is not understood: {e.Message}", e);
        }
    }

    public async Task DeleteAsync(string name, CancellationToken cancellationToken) =>
        await CheckedAsync("delete", [CheckName(name)], cancellationToken);

    public async Task<long?> FreeBytesAsync(CancellationToken cancellationToken)
    {
        var lines = await CheckedAsync("df", [], cancellationToken);
        return lines.Count == 1 && long.TryParse(lines[0], NumberStyles.None, CultureInfo.InvariantCulture, out var free) ? free : null;
    }

    public Task<ICopyReceive> BeginReceiveAsync(string name, Guid expectedReceivedUuid, CancellationToken cancellationToken)
    {
        var command = Command("receive", [CheckName(name), CopyProtocol.FormatUuid(expectedReceivedUuid)]);
        _logger.LogDebug("running {Command}", command);
        var info = ProcessRunner.BuildStartInfo(command, inheritStandardError: false);
        info.StandardOutputEncoding = null;
        info.StandardInputEncoding = null;
        var process = new Process { StartInfo = info };
        try
        {
            SpawnThread.Run(() => process.Start());
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            process.Dispose();
            throw new OperationFailedException($"cannot start ssh: {e.Message} (is it installed?)", e);
        }
        PipedProcess.EnlargePipe(process.StandardInput.BaseStream); // the relay splices up to a pipe's size per call
        return Task.FromResult<ICopyReceive>(new RemoteReceive(this, process, name, cancellationToken));
    }

    /// <summary>
    /// Ends the shared ssh connection (<c>ssh -O exit</c>) and removes its socket's directory. Never throws.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        var directory = Interlocked.Exchange(ref _controlDirectory, null);
        if (directory is null)
        {
            return;
        }
        try
        {
            if (File.Exists(Path.Combine(directory, ControlSocketName)) || Directory.EnumerateFileSystemEntries(directory).Any())
            {
                await _runner.RunAsync(new ExternalCommand(Ssh.Program,
                    [.. SshOptions, "-o", "ControlPath=" + Path.Combine(directory, ControlSocketName), "-O", "exit", "--", Host]),
                    TimeSpan.FromSeconds(10), CancellationToken.None);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _logger.LogDebug("ssh -O exit for {Target}: {Error}", Target, e.Message);
        }
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.LogDebug("cannot remove {Directory}: {Error}", directory, e.Message);
        }
    }

    private const string ControlSocketName = "master";

    /// <summary>Where the shared connection's socket lives (a private directory of this destination); null: not made yet.</summary>
    private string? _controlDirectory;

    /// <summary>
    /// One ssh connection for all the steps of a copy (hello, clean, list, each receive, deletes): the first call becomes
    /// the master (<c>ControlMaster=auto</c>) and stays for <c>ControlPersist</c> after it, each later call is a new session
    /// on it, so a step costs a channel instead of a key exchange and a login. sshd applies the key's forced command to
    /// every session. None when the socket's path would be too long for a unix socket.
    /// </summary>
    private IReadOnlyList<string> Multiplexing()
    {
        if (!Multiplex)
        {
            return [];
        }
        if (_controlDirectory is null)
        {
            var created = Directory.CreateTempSubdirectory("sb-ssh-").FullName; // mode 0700
            if (Interlocked.CompareExchange(ref _controlDirectory, created, null) is not null)
            {
                Directory.Delete(created);
            }
        }
        var socket = Path.Combine(_controlDirectory!, ControlSocketName);
        return socket.Length > 100
            ? []
            : ["-o", "ControlMaster=auto", "-o", "ControlPath=" + socket, "-o", "ControlPersist=15"];
    }

    /// <summary>Share one ssh connection between the steps (see <see cref="Multiplexing"/>); on by default.</summary>
    public bool Multiplex { get; init; } = true;

    private static string CheckName(string name) =>
        Volume.SnapshotName.TryParse(name, out _) ? name : throw new ArgumentException($"'{name}' is not a snapshot name", nameof(name));

    private ExternalCommand Command(string verb, string[] arguments) => new(Ssh.Program,
    [
        .. SshOptions,
        .. Ssh.NonInteractiveOptions(ConnectTimeout),
        .. Multiplexing(),
        // A cut network ends the transfer within a minute instead of hanging on TCP's own timeouts.
        "-o", "ServerAliveInterval=15",
        "-o", "ServerAliveCountMax=4",
        "-T",
        "--",
        Host,
        CopyProtocol.RemoteCommand(Target.Path, verb, arguments),
    ]);

    /// <summary>Runs a verb; its output lines when it succeeded, else the error it names.</summary>
    private async Task<IReadOnlyList<string>> CheckedAsync(string verb, string[] arguments, CancellationToken cancellationToken)
    {
        var (code, lines, tail) = await RunAsync(verb, arguments, connecting: false, cancellationToken);
        return code == 0 ? lines : throw Failure(verb, code, tail, lines);
    }

    private async Task<(int Code, IReadOnlyList<string> Lines, string Tail)> RunAsync(
        string verb, string[] arguments, bool connecting, CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        ProcessResult result;
        try
        {
            result = await _runner.RunAsync(Command(verb, arguments), connecting ? ConnectTimeout + TimeSpan.FromSeconds(30) : CommandTimeout,
                cancellationToken, onStandardOutput: line =>
                {
                    lock (lines)
                    {
                        lines.Add(line);
                    }
                });
        }
        catch (TimeoutException e) when (connecting)
        {
            throw new CopyTargetUnavailableException($"{Target}: {Host} did not answer: {e.Message}", e);
        }
        catch (TimeoutException e)
        {
            throw new OperationFailedException($"{Target}: '{verb}' did not finish: {e.Message}", e);
        }
        cancellationToken.ThrowIfCancellationRequested();
        lock (lines)
        {
            return (result.ExitCode, lines.ToList(), result.StandardErrorTail);
        }
    }

    /// <summary>What a failed verb means: the host cannot be reached (a quiet skip), or the answer of a reached one.</summary>
    internal Exception Failure(string verb, int code, string tail, IReadOnlyList<string> lines)
    {
        var message = LastLines(tail);
        if (code == 255 && IsUnreachable(tail))
        {
            return new CopyTargetUnavailableException($"{Target}: {Host} cannot be reached: {message}");
        }
        return code switch
        {
            CopyProtocol.ExitUnavailable => new CopyTargetUnavailableException($"{Target}: {message}"),
            255 => new OperationFailedException($"{Target}: ssh {Host} failed: {message}"),
            127 => new OperationFailedException(
                $"{Target}: snapshotbackup is not installed on {Host} ({message}); install snapshotbackup {LocalVersion} there and set its forced command (see 'Copies over ssh' in the README)"),
            0 when verb == "hello" => new OperationFailedException(
                $"{Target}: {Host} did not answer as 'snapshotbackup serve --copies' (it said: '{CopyProtocol.Printable(string.Join(' ', lines))}'); install snapshotbackup {LocalVersion} there and check the key's forced command"),
            CopyProtocol.ExitRefused when verb == "hello" => new OperationFailedException(
                $"{Target}: {Host} refused the request (exit code {code}: {message}); is snapshotbackup {LocalVersion} installed there, with the forced command 'snapshotbackup serve --copies {Target.Path}'?"),
            CopyProtocol.ExitRefused => new OperationFailedException($"{Target}: {Host} refused '{verb}': {message}"),
            _ => new OperationFailedException($"{Target}: '{verb}' failed on {Host} (exit code {code}): {message}"),
        };
    }

    private static readonly string[] UnreachableSigns =
    [
        "Connection refused", "Connection timed out", "timed out", "No route to host", "Network is unreachable",
        "Could not resolve hostname", "Name or service not known", "Temporary failure in name resolution", "Host is down",
        "Connection reset by peer", "Connection closed by",
    ];

    private static bool IsUnreachable(string tail) =>
        !tail.Contains("Permission denied", StringComparison.Ordinal) && !tail.Contains("Host key verification failed", StringComparison.Ordinal)
        && UnreachableSigns.Any(s => tail.Contains(s, StringComparison.OrdinalIgnoreCase));

    private static string LastLines(string tail)
    {
        var lines = tail.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var text = string.Join("; ", lines.TakeLast(3)).Replace("snapshotbackup serve: ", string.Empty, StringComparison.Ordinal);
        return text.Length == 0 ? "no error output" : MessageText.Abbreviate(text);
    }

    private sealed class RemoteReceive : ICopyReceive
    {
        private readonly RemoteCopyDestination _owner;
        private readonly Process _process;
        private readonly string _name;
        private readonly Task<string> _output;
        private readonly Task<string> _error;
        private readonly CancellationTokenRegistration _cancel;
        private bool _completed;
        private int _disposed;

        public RemoteReceive(RemoteCopyDestination owner, Process process, string name, CancellationToken cancellationToken)
        {
            _owner = owner;
            _process = process;
            _name = name;
            _output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            _error = process.StandardError.ReadToEndAsync(CancellationToken.None);
            _cancel = cancellationToken.Register(Kill);
        }

        public Stream Input => _process.StandardInput.BaseStream;

        public async Task<CopyEntry> CompleteAsync(CancellationToken cancellationToken)
        {
            _completed = true;
            try
            {
                _process.StandardInput.Close();
            }
            catch (IOException)
            {
                // ssh is gone already: its exit code and error output say why.
            }
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(_owner.FinishTimeout);
            try
            {
                await _process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                Kill();
                await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
                cancellationToken.ThrowIfCancellationRequested();
                throw new OperationFailedException(
                    $"{_owner.Target}: the receive of {_name} did not finish within {_owner.FinishTimeout.TotalMinutes:0} min of the stream's end; ssh was stopped");
            }
            var output = await _output.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
            var error = await _error.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            if (_process.ExitCode != 0)
            {
                throw _owner.Failure("receive", _process.ExitCode, error, lines);
            }
            try
            {
                return lines.Length == 1 ? CopyProtocol.ParseEntry(lines[0]) : throw new FormatException($"{lines.Length} lines");
            }
            catch (FormatException e)
            {
                throw new OperationFailedException($"{_owner.Target}: the answer to the receive of {_name} is not understood: {e.Message}", e);
            }
        }

        private void Kill()
        {
            try
            {
                if (!_process.HasExited)
                {
                    LibC.Kill(_process.Id, LibC.SIGKILL);
                }
            }
            catch (InvalidOperationException)
            {
                // not started or gone
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }
            await _cancel.DisposeAsync();
            if (!_completed || !_process.HasExited)
            {
                Kill();
            }
            try
            {
                await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
            }
            catch (TimeoutException)
            {
                _owner._logger.LogWarning("ssh (pid {Pid}) did not exit after SIGKILL", _process.Id);
            }
            try
            {
                _process.StandardInput.Dispose();
            }
            catch (IOException)
            {
                // the pipe is broken: nothing to flush
            }
            _process.Dispose();
        }
    }
}
