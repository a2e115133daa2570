using Microsoft.Extensions.Logging;
using Serilog.Core;
using Serilog.Events;
using Serilog.Formatting.Display;
using SnapshotBackup.Core.Runs;

namespace SnapshotBackup.Daemon.Logging;

/// <summary>
/// Every event the daemon logs inside a backup run also goes to that run's <see cref="RunLog"/> (the body of its
/// failure ping), as <c>level: message</c> with string values unquoted as in the console. Serilog calls sinks on the
/// logging thread, so the run's async-local log is the one current.
/// </summary>
internal sealed class RunLogSink : ILogEventSink
{
    private static readonly MessageTemplateTextFormatter Formatter = new("{Message:lj}");

    public void Emit(LogEvent logEvent)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        if (RunLog.Current is null)
        {
            return;
        }
        using var text = new StringWriter();
        Formatter.Format(logEvent, text);
        RunLog.Write(Level(logEvent.Level), text.ToString(), logEvent.Exception);
    }

    private static LogLevel Level(LogEventLevel level) => level switch
    {
        LogEventLevel.Verbose => LogLevel.Trace,
        LogEventLevel.Debug => LogLevel.Debug,
        LogEventLevel.Information => LogLevel.Information,
        LogEventLevel.Warning => LogLevel.Warning,
        LogEventLevel.Error => LogLevel.Error,
        _ => LogLevel.Critical,
    };
}
