using Microsoft.Extensions.Logging;

namespace SnapshotBackup.Tests.Unit.Btrfs;

/// <summary>A logger that keeps every line with its level, for asserting what was said and how often.</summary>
public sealed class RecordingLogger : ILogger
{
    public List<(LogLevel Level, string Text)> Lines { get; } = [];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (Lines)
        {
            Lines.Add((logLevel, formatter(state, exception)));
        }
    }
}
