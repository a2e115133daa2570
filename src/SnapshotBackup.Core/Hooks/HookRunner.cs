using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Internal;
using SnapshotBackup.Core.Processes;

namespace SnapshotBackup.Core.Hooks;

/// <summary>
/// Runs an admin's hook command: the one thing run through <c>/bin/sh -c</c>, exactly as configured (what we know
/// about the run reaches it only as environment variables, <see cref="HookEnvironment"/>). It runs as the running user
/// (root for the daemon), in the source's directory (<c>/</c> for a remote source), with standard input empty, in a
/// process group of its own (<c>setsid</c>) so that a timeout or a cancellation stops the whole group: SIGTERM, then
/// SIGKILL after <see cref="GracePeriod"/>. Its output goes to the log line by line as it comes (a hook that prints
/// megabytes never stalls: both pipes are read all the time, and what is logged is capped), its last lines are kept for
/// the failure message.
/// </summary>
public sealed class HookRunner(ILogger logger) : IHookRunner
{
    /// <summary>Lines of output kept for messages and notifications.</summary>
    public const int TailLines = 10;

    /// <summary>Lines logged per hook; the rest are counted, not logged (the tail is still kept).</summary>
    public const int MaxLoggedLines = 1000;

    /// <summary>A longer line is cut in the log and the tail.</summary>
    public const int MaxLineLength = 2000;

    public const string Shell = "/bin/sh";

    public TimeSpan GracePeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long output is still read after the shell ended (a background child may hold the pipes open).</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(2);

    public async Task<HookResult?> RunAsync(
        BackupConfig config, HookKind kind, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(environment);
        if (config.Hooks.Of(kind) is not { } command)
        {
            return null;
        }
        var key = kind.Key();
        var timeout = config.Hooks.Timeout;
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["Backup"] = config.Name });
        logger.LogDebug("{Hook} hook of {Backup}: running {Command} in {Directory} (timeout {Timeout})", key, config.Name, command, WorkingDirectory(config), timeout);
        var stopwatch = Stopwatch.StartNew();
        using var process = Start(config, command, environment);
        var group = process.Id;
        var output = new HookOutput(logger, key, config.Name);
        var pumps = Task.WhenAll(output.PumpAsync(process.StandardOutput.BaseStream), output.PumpAsync(process.StandardError.BaseStream));

        using var timeoutSource = new CancellationTokenSource(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        var stopped = false;
        try
        {
            await process.WaitForExitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            stopped = true;
            await StopGroupAsync(process, group, key).ConfigureAwait(false);
        }
        await DrainAsync(pumps, group, key).ConfigureAwait(false);
        process.StandardOutput.Dispose();
        process.StandardError.Dispose();
        stopwatch.Stop();
        output.Finish();

        var timedOut = stopped && timeoutSource.IsCancellationRequested && !cancellationToken.IsCancellationRequested;
        int? exitCode = stopped ? null : process.ExitCode;
        logger.LogDebug("{Hook} hook of {Backup}: {How} after {Seconds:0.000} s", key, config.Name,
            timedOut ? "timed out" : stopped ? "stopped" : $"exit code {process.ExitCode}", stopwatch.Elapsed.TotalSeconds);
        if (stopped && !timedOut)
        {
            cancellationToken.ThrowIfCancellationRequested();
        }
        return new HookResult(kind, command, exitCode, timedOut, stopwatch.Elapsed, output.Tail);
    }

    /// <summary>
    /// The shell ended: its output is read to the end, unless something it started in the background (a forgotten
    /// <c>&amp;</c>) still holds the pipes after <see cref="DrainTimeout"/>: then what is left of its process group is
    /// stopped (SIGTERM, SIGKILL after <see cref="GracePeriod"/>), and the pipes are closed whatever still holds them (a
    /// child that left the group). A child started with its output redirected (<c>cmd &gt;/dev/null 2&gt;&amp;1 &amp;</c>)
    /// holds nothing and is left running.
    /// </summary>
    private async Task DrainAsync(Task pumps, int group, string key)
    {
        if (await Finished(pumps, DrainTimeout).ConfigureAwait(false))
        {
            return;
        }
        logger.LogWarning("{Hook} hook: processes it started still held its output {Seconds:0.#} s after it ended; stopping its process group {Group}",
            key, DrainTimeout.TotalSeconds, group);
        LibC.Kill(-group, LibC.SIGTERM);
        if (!await Finished(pumps, GracePeriod).ConfigureAwait(false))
        {
            LibC.Kill(-group, LibC.SIGKILL);
            await Finished(pumps, TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        }
    }

    private static async Task<bool> Finished(Task task, TimeSpan timeout)
    {
        await Task.WhenAny(task, Task.Delay(timeout)).ConfigureAwait(false);
        return task.IsCompleted;
    }

    /// <summary>The source's directory when it is a local directory that exists, else <c>/</c>.</summary>
    public static string WorkingDirectory(BackupConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return !config.IsRemoteSource && config.Source.StartsWith('/') && Directory.Exists(config.Source) ? config.Source : "/";
    }

    /// <summary>
    /// The script of the outer shell, always the same: standard error into the standard output pipe (one stream, in the
    /// order written), then the admin's command, passed as an argument (<c>$1</c>), run by a new shell in its place
    /// (<c>exec</c>: same pid, same process group).
    /// </summary>
    internal const string Wrapper = "exec 2>&1; exec " + Shell + " -c -- \"$1\"";

    private static Process Start(BackupConfig config, string command, IReadOnlyDictionary<string, string> environment)
    {
        // setsid: the shell leads a process group of its own. .NET's child is no group leader (it stays in ours), so
        // setsid calls setsid() and execs in place: the shell's pid is the group's id, and the process we wait for is
        // the shell (HookRunnerTests.TheShellLeadsAProcessGroupOfItsOwnAndIsWaitedFor).
        var setsid = File.Exists("/usr/bin/setsid") ? "/usr/bin/setsid" : "setsid";
        var info = ProcessRunner.BuildStartInfo(
            new ExternalCommand(setsid, [Shell, "-c", Wrapper, "sh", command]) { Environment = environment }, inheritStandardError: false);
        // Ours only: a SNAPSHOTBACKUP_ variable inherited from the caller's environment (a stale _SNAPSHOT in the admin's
        // shell, the command's own settings) must not pass for what this run says.
        foreach (var name in info.Environment.Keys.Where(n => n.StartsWith(HookEnvironment.Prefix, StringComparison.Ordinal) && !environment.ContainsKey(n)).ToList())
        {
            info.Environment.Remove(name);
        }
        info.WorkingDirectory = WorkingDirectory(config);
        info.StandardOutputEncoding = null;
        info.StandardErrorEncoding = null;
        var process = new Process { StartInfo = info };
        try
        {
            SpawnThread.Run(() => process.Start());
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            process.Dispose();
            throw new InvalidOperationException($"cannot start {Shell} for a hook: {e.Message}", e);
        }
        try
        {
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The shell exited already.
        }
        return process;
    }

    /// <summary>SIGTERM to the hook's process group, then SIGKILL to the group after the grace period.</summary>
    private async Task StopGroupAsync(Process process, int group, string key)
    {
        logger.LogWarning("{Hook} hook: stopping its process group {Group} with SIGTERM", key, group);
        LibC.Kill(-group, LibC.SIGTERM);
        using var grace = new CancellationTokenSource(GracePeriod);
        try
        {
            await process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            logger.LogWarning("{Hook} hook: the process group {Group} ignored SIGTERM for {Grace}; killing it", key, group, GracePeriod);
        }
        // The rest of the group too, whether or not the shell went first.
        LibC.Kill(-group, LibC.SIGKILL);
        // Bounded even now: a shell stuck in the kernel (a hung NFS mount) ignores SIGKILL until it returns, and must not
        // hold the run or the daemon's stop.
        using var killed = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await process.WaitForExitAsync(killed.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            logger.LogError("{Hook} hook: the process group {Group} did not end 10 s after SIGKILL (stuck in the kernel?); going on without it", key, group);
        }
    }

    /// <summary>The hook's output: logged line by line (capped), the last lines kept.</summary>
    private sealed class HookOutput(ILogger logger, string key, string backup)
    {
        private readonly Lock _lock = new();
        private readonly Queue<string> _tail = new();
        private long _lines;

        public IReadOnlyList<string> Tail
        {
            get
            {
                lock (_lock)
                {
                    return [.. _tail];
                }
            }
        }

        public async Task PumpAsync(Stream stream)
        {
            var buffer = new byte[65536];
            var pending = new MemoryStream();
            try
            {
                int read;
                while ((read = await stream.ReadAsync(buffer).ConfigureAwait(false)) > 0)
                {
                    var start = 0;
                    for (var i = 0; i < read; i++)
                    {
                        if (buffer[i] == (byte)'\n')
                        {
                            pending.Write(buffer, start, i - start);
                            Line(pending);
                            start = i + 1;
                        }
                    }
                    // A line longer than we keep is cut, so a hook printing one endless line costs no memory.
                    pending.Write(buffer, start, Math.Min(read - start, Math.Max(0, MaxLineLength * 4 - (int)pending.Length)));
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // Closed after the drain timeout.
            }
            if (pending.Length > 0)
            {
                Line(pending);
            }
        }

        public void Finish()
        {
            if (_lines > MaxLoggedLines)
            {
                logger.LogInformation("{Hook} hook of {Backup}: {Count} more lines of output not logged", key, backup, _lines - MaxLoggedLines);
            }
        }

        private void Line(MemoryStream pending)
        {
            var text = Encoding.UTF8.GetString(pending.GetBuffer(), 0, (int)pending.Length).TrimEnd('\r');
            pending.SetLength(0);
            if (text.Length > MaxLineLength)
            {
                text = text[..MaxLineLength] + "…";
            }
            long number;
            lock (_lock)
            {
                number = ++_lines;
                _tail.Enqueue(text);
                if (_tail.Count > TailLines)
                {
                    _tail.Dequeue();
                }
            }
            if (number <= MaxLoggedLines)
            {
                logger.LogInformation("{Hook}: {Line}", key, text);
            }
        }
    }
}
