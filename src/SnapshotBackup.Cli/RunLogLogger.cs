using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Runs;

namespace SnapshotBackup.Cli;

/// <summary>
/// The command's logger seen through a run: every line logged during a backup run at information level or above (and
/// what <c>-d</c> adds) also goes to <see cref="RunLog"/>, whatever the console or the journal keep (with <c>-s</c> and
/// no journal only warnings reach standard error), so a failure ping carries the run's last lines.
/// </summary>
public sealed class RunLogLogger(ILogger inner, LogLevel minimum) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel) || InRunLog(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        if (InRunLog(logLevel))
        {
            RunLog.Write(logLevel, formatter(state, exception), exception);
        }
        if (inner.IsEnabled(logLevel))
        {
            inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }

    private bool InRunLog(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None && RunLog.Current is not null;
}
