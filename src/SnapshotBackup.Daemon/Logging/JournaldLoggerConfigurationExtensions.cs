using Serilog;
using Serilog.Configuration;
using Serilog.Core;
using Serilog.Events;

namespace SnapshotBackup.Daemon.Logging;

/// <summary><c>WriteTo.Journald()</c>.</summary>
internal static class JournaldLoggerConfigurationExtensions
{
    /// <summary>Writes events to the systemd journal through its native protocol (see <see cref="JournaldSink"/>).</summary>
    public static LoggerConfiguration Journald(
        this LoggerSinkConfiguration sinkConfiguration,
        string syslogIdentifier = JournaldSink.DefaultSyslogIdentifier,
        string socketPath = JournaldSink.DefaultSocketPath,
        LogEventLevel restrictedToMinimumLevel = LevelAlias.Minimum,
        LoggingLevelSwitch? levelSwitch = null,
        IFormatProvider? formatProvider = null)
    {
        ArgumentNullException.ThrowIfNull(sinkConfiguration);
        return sinkConfiguration.Sink(new JournaldSink(syslogIdentifier, socketPath, formatProvider), restrictedToMinimumLevel, levelSwitch);
    }
}
