using Microsoft.Extensions.Logging;

namespace SnapshotBackup.Cli;

/// <summary>Log lines for a person at a terminal, on standard error: <c>warning: …</c>, <c>error: …</c>.</summary>
public sealed class ConsoleLogger(LogLevel minimum, TextWriter writer) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }
        var prefix = logLevel switch
        {
            LogLevel.Trace => "trace: ",
            LogLevel.Debug => "debug: ",
            LogLevel.Warning => "warning: ",
            LogLevel.Error or LogLevel.Critical => "error: ",
            _ => string.Empty,
        };
        lock (writer)
        {
            writer.WriteLine(prefix + formatter(state, exception));
        }
    }
}
