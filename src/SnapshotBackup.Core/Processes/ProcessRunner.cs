using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Internal;

namespace SnapshotBackup.Core.Processes;

/// <summary>
/// Runs an <see cref="ExternalCommand"/> from its argument list (never a shell). Output goes to the caller's callbacks
/// and to the log at debug level. Cancellation escalates: SIGTERM, then SIGKILL of the process tree after a grace period.
/// </summary>
public sealed class ProcessRunner(ILogger logger)
{
    private const int StandardErrorTailLines = StandardErrorTail.DefaultLines;

    public TimeSpan GracePeriod { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>Runs to the end, to <paramref name="timeout"/>, or until <paramref name="cancellationToken"/> fires.</summary>
    /// <param name="onStandardOutput">Called with each chunk of standard output ended by a newline or carriage return.</param>
    /// <param name="standardInput">Text for the child's standard input (a few kilobytes at most), then end of file.</param>
    /// <param name="readStandardOutput">
    /// Reads standard output as bytes instead of <paramref name="onStandardOutput"/> (a binary stream such as btrfs send's).
    /// Whatever it leaves unread is drained so the child can finish; an exception it throws is rethrown once the child ended.
    /// </param>
    public async Task<ProcessResult> RunAsync(
        ExternalCommand command,
        TimeSpan timeout,
        CancellationToken cancellationToken,
        Action<string>? onStandardOutput = null,
        bool inheritStandardError = false,
        string? standardInput = null,
        Func<Stream, Task>? readStandardOutput = null)
    {
        logger.LogDebug("running {Command}", command);
        var stopwatch = Stopwatch.StartNew();
        using var process = Start(command, inheritStandardError);
        WriteStandardInput(process, standardInput);

        var tail = new StandardErrorTail(StandardErrorTailLines);
        Exception? readFailure = null;
        var stdout = readStandardOutput is null
            ? PumpAsync(process.StandardOutput, chunk =>
            {
                logger.LogTrace("{Program}: {Line}", command.FileName, chunk);
                onStandardOutput?.Invoke(chunk);
            })
            : ReadBinaryAsync(process.StandardOutput.BaseStream, readStandardOutput, e => readFailure = e);
        var stderr = inheritStandardError
            ? Task.CompletedTask
            : PumpAsync(process.StandardError, line =>
            {
                logger.LogDebug("{Program} stderr: {Line}", command.FileName, line);
                tail.Add(line);
            });

        using var timeoutSource = new CancellationTokenSource(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        var cancelled = await WaitOrStopAsync(process, command, linked.Token).ConfigureAwait(false);
        await CloseOutputAsync(process, stdout, stderr, inheritStandardError).ConfigureAwait(false);
        stopwatch.Stop();
        var tailText = tail.Text;
        logger.LogDebug("{Program} exited with {ExitCode} after {Duration}", command.FileName, process.ExitCode, stopwatch.Elapsed);
        if (cancelled && timeoutSource.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{command.FileName} did not finish within {timeout} and was stopped");
        }
        if (readFailure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(readFailure);
        }
        return new ProcessResult(process.ExitCode, tailText, stopwatch.Elapsed, cancelled);
    }


    /// <summary>
    /// The start info for <paramref name="command"/>: its argument list, never a shell; under <c>setpriv --pdeathsig
    /// KILL</c> when installed, so the child dies with this process (kill -9, OOM) and no rsync outlives its backup; the
    /// environment without what children must not inherit (NOTIFY_SOCKET, ...), plus the command's own variables.
    /// </summary>
    public static ProcessStartInfo BuildStartInfo(ExternalCommand command, bool inheritStandardError)
    {
        ArgumentNullException.ThrowIfNull(command);
        var killedWithParent = SetPriv.IsInstalled;
        var info = new ProcessStartInfo(killedWithParent ? SetPriv.Path : command.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = !inheritStandardError,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            StandardInputEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        };
        var arguments = killedWithParent ? SetPriv.KilledWithParent(command.FileName).Concat(command.Arguments) : command.Arguments;
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        foreach (var name in ExternalCommand.StrippedEnvironment)
        {
            info.Environment.Remove(name);
        }
        foreach (var (name, value) in command.Environment)
        {
            info.Environment[name] = value;
        }
        return info;
    }

    private static Process Start(ExternalCommand command, bool inheritStandardError)
    {
        var process = new Process { StartInfo = BuildStartInfo(command, inheritStandardError) };
        try
        {
            SpawnThread.Run(() => process.Start());
            return process;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            process.Dispose();
            throw new InvalidOperationException($"cannot start {command.FileName}: {e.Message} (is it installed?)", e);
        }
    }

    /// <summary>Writes a small payload (it fits the pipe buffer) before the child is waited for, then closes stdin.</summary>
    private static void WriteStandardInput(Process process, string? standardInput)
    {
        try
        {
            if (standardInput is not null)
            {
                process.StandardInput.Write(standardInput);
            }
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The child exited without reading; its exit code says why.
        }
    }

    /// <summary>Waits for the exit; when <paramref name="token"/> fires first, stops the child. True when it was stopped.</summary>
    private async Task<bool> WaitOrStopAsync(Process process, ExternalCommand command, CancellationToken token)
    {
        try
        {
            await process.WaitForExitAsync(token).ConfigureAwait(false);
            return false;
        }
        catch (OperationCanceledException)
        {
            await StopAsync(process, command).ConfigureAwait(false);
            return true;
        }
    }

    /// <summary>
    /// Lets the output pumps finish (bounded), then closes the pipes: Process.Dispose does not close redirected streams
    /// once they were read synchronously, and without this the daemon kept two pipe descriptors open per run, forever.
    /// </summary>
    private static async Task CloseOutputAsync(Process process, Task stdout, Task stderr, bool inheritStandardError)
    {
        await Task.WhenAll(stdout, stderr).WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None)
            .ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        process.StandardOutput.Dispose();
        if (!inheritStandardError)
        {
            process.StandardError.Dispose();
        }
    }

    /// <summary>SIGTERM, then after the grace period SIGKILL to the whole tree.</summary>
    private async Task StopAsync(Process process, ExternalCommand command)
    {
        if (process.HasExited)
        {
            return;
        }
        logger.LogDebug("stopping {Program} (pid {Pid}) with SIGTERM", command.FileName, process.Id);
        LibC.Kill(process.Id, LibC.SIGTERM);
        using var grace = new CancellationTokenSource(GracePeriod);
        try
        {
            await process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            logger.LogWarning("{Program} (pid {Pid}) ignored SIGTERM for {Grace}; killing it", command.FileName, process.Id, GracePeriod);
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It exited in between.
            }
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Lets <paramref name="read"/> read the bytes, records what it threw, and drains the rest.</summary>
    private static async Task ReadBinaryAsync(Stream stream, Func<Stream, Task> read, Action<Exception> failed)
    {
        try
        {
            await read(stream).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            failed(e);
        }
        try
        {
            await stream.CopyToAsync(Stream.Null).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The pipe is gone: nothing left to drain.
        }
    }

    /// <summary>Reads a stream in chunks split at '\n' or '\r' (rsync's progress uses '\r').</summary>
    private static async Task PumpAsync(StreamReader reader, Action<string> onChunk)
    {
        var buffer = new char[8192];
        var pending = new StringBuilder();
        int read;
        while ((read = await reader.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            var start = 0;
            for (var i = 0; i < read; i++)
            {
                if (buffer[i] is '\n' or '\r')
                {
                    pending.Append(buffer, start, i - start);
                    if (pending.Length > 0)
                    {
                        onChunk(pending.ToString());
                        pending.Clear();
                    }
                    start = i + 1;
                }
            }
            pending.Append(buffer, start, read - start);
        }
        if (pending.Length > 0)
        {
            onChunk(pending.ToString());
        }
    }
}
