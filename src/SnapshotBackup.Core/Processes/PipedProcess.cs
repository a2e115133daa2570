using System.Diagnostics;
using System.IO.Pipes;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Internal;

namespace SnapshotBackup.Core.Processes;

/// <summary>
/// A child whose standard input or output is a binary stream the caller pumps (btrfs send's output, btrfs receive's
/// input), started like every child (argument list, <c>setpriv --pdeathsig KILL</c>, stripped environment). Its error
/// output is logged and kept as a tail for messages. Disposing it kills a child still running and closes the pipes.
/// </summary>
public sealed class PipedProcess : IAsyncDisposable
{
    private const int StandardErrorTailLines = Processes.StandardErrorTail.DefaultLines;
    private const int PipeSize = 1 << 20;

    private readonly Process _process;
    private readonly ExternalCommand _command;
    private readonly ILogger _logger;
    private readonly StandardErrorTail _tail = new(StandardErrorTailLines);
    private readonly Task _stderr;
    private readonly Task _stdout;
    private readonly Stopwatch _stopwatch = Stopwatch.StartNew();
    private int _disposed;

    private PipedProcess(Process process, ExternalCommand command, ILogger logger, bool writeInput, bool readOutput)
    {
        _process = process;
        _command = command;
        _logger = logger;
        if (!writeInput)
        {
            process.StandardInput.Close();
        }
        else
        {
            EnlargePipe(process.StandardInput.BaseStream);
        }
        if (readOutput)
        {
            EnlargePipe(process.StandardOutput.BaseStream);
        }
        _stdout = readOutput ? Task.CompletedTask : PumpAsync(process.StandardOutput, line => logger.LogDebug("{Program}: {Line}", command.FileName, line));
        _stderr = PumpAsync(process.StandardError, line =>
        {
            logger.LogDebug("{Program} stderr: {Line}", command.FileName, line);
            _tail.Add(line);
        });
    }

    /// <summary>Starts <paramref name="command"/>; <paramref name="writeInput"/> keeps its standard input open for
    /// <see cref="Input"/>, <paramref name="readOutput"/> leaves its standard output to <see cref="Output"/> (else logged).</summary>
    public static PipedProcess Start(ExternalCommand command, ILogger logger, bool writeInput, bool readOutput)
    {
        ArgumentNullException.ThrowIfNull(command);
        logger.LogDebug("running {Command}", command);
        var process = new Process { StartInfo = ProcessRunner.BuildStartInfo(command, inheritStandardError: false) };
        try
        {
            SpawnThread.Run(() => process.Start());
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            process.Dispose();
            throw new InvalidOperationException($"cannot start {command.FileName}: {e.Message} (is it installed?)", e);
        }
        return new PipedProcess(process, command, logger, writeInput, readOutput);
    }

    public int Id => _process.Id;

    public ExternalCommand Command => _command;

    /// <summary>The child's standard input (when started with writeInput).</summary>
    public Stream Input => _process.StandardInput.BaseStream;

    /// <summary>The child's standard output (when started with readOutput).</summary>
    public Stream Output => _process.StandardOutput.BaseStream;

    public bool HasExited => _process.HasExited;

    /// <summary>The last lines of the child's error output so far.</summary>
    public string StandardErrorTail => _tail.Text;

    /// <summary>Closes the child's standard input (end of the stream), ignoring a child that is gone.</summary>
    public void CloseInput()
    {
        try
        {
            _process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The child exited without reading all: its exit code and error output say why.
        }
    }

    /// <summary>Waits for the exit (and its error output); on <paramref name="timeout"/> or cancellation kills the child.</summary>
    public async Task<ProcessResult> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timeoutSource = new CancellationTokenSource(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        var cancelled = false;
        try
        {
            await _process.WaitForExitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            cancelled = true;
            Kill();
            await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }
        await Task.WhenAll(_stdout, _stderr).WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None)
            .ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        _logger.LogDebug("{Program} exited with {ExitCode} after {Duration}", _command.FileName, _process.ExitCode, _stopwatch.Elapsed);
        cancellationToken.ThrowIfCancellationRequested();
        if (cancelled)
        {
            throw new TimeoutException($"{_command.FileName} did not finish within {timeout} and was killed");
        }
        return new ProcessResult(_process.ExitCode, _tail.Text, _stopwatch.Elapsed, cancelled);
    }

    /// <summary>SIGKILL to the child (and its children); nothing when it has exited.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _logger.LogDebug("killing {Program} (pid {Pid})", _command.FileName, _process.Id);
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited in between.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        Kill();
        await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        CloseInput();
        try
        {
            _process.StandardOutput.Dispose();
            _process.StandardError.Dispose();
        }
        catch (IOException)
        {
        }
        _process.Dispose();
    }

    /// <summary>Fewer, larger reads and writes: a 1 MiB pipe (the unprivileged maximum by default) instead of 64 KiB.
    /// Best effort; the pipe works either way.</summary>
    internal static void EnlargePipe(Stream stream)
    {
        SafeHandle? handle = stream switch
        {
            PipeStream pipe => pipe.SafePipeHandle,
            FileStream file => file.SafeFileHandle,
            _ => null,
        };
        if (handle is not null)
        {
            LibC.Fcntl(handle, LibC.F_SETPIPE_SZ, PipeSize);
        }
    }

    private static async Task PumpAsync(StreamReader reader, Action<string> onLine)
    {
        try
        {
            var buffer = new char[4096];
            var pending = new StringBuilder();
            int read;
            while ((read = await reader.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                for (var i = 0; i < read; i++)
                {
                    if (buffer[i] is '\n' or '\r')
                    {
                        if (pending.Length > 0)
                        {
                            onLine(pending.ToString());
                            pending.Clear();
                        }
                    }
                    else
                    {
                        pending.Append(buffer[i]);
                    }
                }
            }
            if (pending.Length > 0)
            {
                onLine(pending.ToString());
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The pipe was closed under us at disposal.
        }
    }
}
