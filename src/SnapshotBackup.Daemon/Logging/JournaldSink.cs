using System.Globalization;
using Serilog.Core;
using Serilog.Debugging;
using Serilog.Events;
using Serilog.Formatting.Display;
using SnapshotBackup.Core.Logging;

namespace SnapshotBackup.Daemon.Logging;

/// <summary>
/// Serilog sink for the systemd journal: renders each event and hands it to the shared <see cref="JournalWriter"/>
/// (native protocol, memfd for large entries, truncation fallback) with MESSAGE, PRIORITY, SYSLOG_IDENTIFIER and every
/// scalar property as an upper-cased field (<c>Backup</c> → <c>BACKUP=</c>). Never throws; failures go to Serilog's SelfLog.
/// </summary>
internal sealed class JournaldSink : ILogEventSink, IDisposable
{
    public const string DefaultSocketPath = JournalWriter.DefaultSocketPath;
    public const string DefaultSyslogIdentifier = "snapshotbackupd";

    /// <summary>MESSAGE bytes kept by the truncation fallback.</summary>
    internal const int TruncatedMessageBytes = JournalWriter.TruncatedMessageBytes;

    private readonly JournalWriter writer;
    private readonly string syslogIdentifier;
    private readonly IFormatProvider formatProvider;
    private readonly MessageTemplateTextFormatter messageFormatter;

    public JournaldSink(string syslogIdentifier = DefaultSyslogIdentifier, string socketPath = DefaultSocketPath, IFormatProvider? formatProvider = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(syslogIdentifier);
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        this.syslogIdentifier = syslogIdentifier;
        this.formatProvider = formatProvider ?? CultureInfo.InvariantCulture;
        writer = new JournalWriter(socketPath) { Failed = reason => SelfLog.WriteLine("JournaldSink: {0}", reason) };
        messageFormatter = new MessageTemplateTextFormatter("{Message:lj}", this.formatProvider);
    }

    /// <summary>Test hook: when false, oversized entries skip the memfd path and are truncated.</summary>
    internal bool UseMemfd
    {
        get => writer.UseMemfd;
        init => writer.UseMemfd = value;
    }

    public void Emit(LogEvent logEvent)
    {
        if (logEvent is null)
        {
            return;
        }

        try
        {
            writer.Write(syslogIdentifier, Priority(logEvent.Level), RenderMessage(logEvent), Fields(logEvent));
        }
        catch (Exception ex)
        {
            SelfLog.WriteLine("JournaldSink failed to render an event: {0}", ex);
        }
    }

    public void Dispose() => writer.Dispose();

    /// <summary>Journal PRIORITY (syslog severity) for a Serilog level.</summary>
    internal static int Priority(LogEventLevel level) => level switch
    {
        LogEventLevel.Verbose or LogEventLevel.Debug => 7,
        LogEventLevel.Information => 6,
        LogEventLevel.Warning => 4,
        LogEventLevel.Error => 3,
        _ => 2,
    };

    /// <summary>See <see cref="JournalWriter.FieldName"/>.</summary>
    internal static string? FieldName(string propertyName) => JournalWriter.FieldName(propertyName);

    private string RenderMessage(LogEvent logEvent)
    {
        using var text = new StringWriter(formatProvider);
        messageFormatter.Format(logEvent, text);
        if (logEvent.Exception is not null)
        {
            text.Write('\n');
            text.Write(logEvent.Exception.ToString());
        }

        return text.ToString();
    }

    private IEnumerable<KeyValuePair<string, string>> Fields(LogEvent logEvent)
    {
        foreach (var (key, value) in logEvent.Properties)
        {
            if (value is not ScalarValue scalar || scalar.Value is null || JournalWriter.FieldName(key) is not { } name)
            {
                continue;
            }

            var text = scalar.Value switch
            {
                string s => s,
                IFormattable f => f.ToString(null, formatProvider),
                var other => other.ToString() ?? string.Empty,
            };
            yield return new(name, text);
        }
    }
}
