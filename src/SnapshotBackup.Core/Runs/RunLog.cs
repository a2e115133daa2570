using Microsoft.Extensions.Logging;

namespace SnapshotBackup.Core.Runs;

/// <summary>
/// The last log lines of the run in progress on this async flow (<see cref="BackupRunService"/> begins one per run;
/// the loggers of the command and the daemon add to <see cref="Current"/>): the body of a failure ping.
/// </summary>
public sealed class RunLog
{
    /// <summary>Lines kept.</summary>
    public const int Capacity = 20;

    private static readonly AsyncLocal<RunLog?> CurrentLog = new();

    private readonly Queue<string> _lines = new();
    private readonly Lock _lock = new();

    /// <summary>The run log of the run this code runs in; null outside a run.</summary>
    public static RunLog? Current => CurrentLog.Value;

    /// <summary>Starts a run log for the calling async flow (and what it awaits); restored when the caller returns.</summary>
    public static RunLog Begin() => CurrentLog.Value = new RunLog();

    /// <summary>Adds one line (the level and the rendered message) to the current run's log, if any.</summary>
    public static void Write(string line) => Current?.Add(line);

    /// <summary>
    /// Adds one log line as the command prints it (<c>warning: …</c>, <c>error: …</c>, <c>info: …</c>), its exception's
    /// message after it; the command's and the daemon's loggers call this for every line they log in a run.
    /// </summary>
    public static void Write(LogLevel level, string message, Exception? exception = null)
    {
        if (Current is not { } log)
        {
            return;
        }
        var prefix = level switch
        {
            LogLevel.Trace => "trace: ",
            LogLevel.Debug => "debug: ",
            LogLevel.Information => "info: ",
            LogLevel.Warning => "warning: ",
            _ => "error: ",
        };
        log.Add(prefix + message + (exception is null || message.Contains(exception.Message, StringComparison.Ordinal) ? string.Empty : ": " + exception.Message));
    }

    public void Add(string line)
    {
        lock (_lock)
        {
            _lines.Enqueue(line);
            if (_lines.Count > Capacity)
            {
                _lines.Dequeue();
            }
        }
    }

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lock)
            {
                return [.. _lines];
            }
        }
    }
}
