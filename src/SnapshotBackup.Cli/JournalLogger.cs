using System.Collections;
using System.Globalization;
using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Logging;

namespace SnapshotBackup.Cli;

/// <summary>
/// <c>-s</c>: log lines to the systemd journal through the same <see cref="JournalWriter"/> as the daemon's sink, with
/// SYSLOG_IDENTIFIER=snapshotbackup, PRIORITY, MESSAGE, <paramref name="fields"/> (BACKUP= the section) and each
/// value of the message template as a field (<c>{Snapshot}</c> → <c>SNAPSHOT=</c>). A warning or an error the journal
/// did not take goes to <paramref name="fallback"/> (standard error), so that no error is lost.
/// </summary>
public sealed class JournalLogger(JournalWriter writer, LogLevel minimum, IReadOnlyList<KeyValuePair<string, string>> fields, ILogger fallback) : ILogger
{
    public const string SyslogIdentifier = "snapshotbackup";

    /// <summary>Overrides the journal socket's path (tests; a journal in a container), as <c>SNAPSHOTBACKUPD_JOURNAL_SOCKET</c> does for the daemon.</summary>
    public const string SocketVariable = "SNAPSHOTBACKUP_JOURNAL_SOCKET";

    private const string OriginalFormat = "{OriginalFormat}";

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        if (!IsEnabled(logLevel))
        {
            return;
        }
        var message = formatter(state, exception);
        var text = exception is null ? message : message + "\n" + exception;
        if (!writer.Write(SyslogIdentifier, Priority(logLevel), text, Fields(state)) && logLevel >= LogLevel.Warning)
        {
            fallback.Log(logLevel, eventId, state, exception, formatter);
        }
    }

    /// <summary>Journal PRIORITY (syslog severity) for a log level, as the daemon's sink maps Serilog's.</summary>
    public static int Priority(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => 7,
        LogLevel.Information => 6,
        LogLevel.Warning => 4,
        LogLevel.Error => 3,
        _ => 2,
    };

    /// <summary>The fixed fields, then the template's values that are scalars (a name already given counts once).</summary>
    private List<KeyValuePair<string, string>> Fields<TState>(TState state)
    {
        var result = new List<KeyValuePair<string, string>>(fields);
        if (state is not IEnumerable<KeyValuePair<string, object?>> values)
        {
            return result;
        }
        foreach (var (key, value) in values)
        {
            if (key == OriginalFormat || value is null || value is IEnumerable and not string
                || JournalWriter.FieldName(key) is not { } name || result.Exists(f => f.Key == name))
            {
                continue;
            }
            result.Add(new(name, value switch
            {
                string s => s,
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString() ?? string.Empty,
            }));
        }
        return result;
    }
}
