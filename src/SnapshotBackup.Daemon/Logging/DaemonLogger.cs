using Serilog;
using Serilog.Core;
using Serilog.Events;
using SnapshotBackup.Core.Logging;

namespace SnapshotBackup.Daemon.Logging;

/// <summary>
/// The daemon's Serilog logger: the journal (native protocol) or the console, per <c>--log</c>. When the journal is
/// wanted but nothing receives on its socket, logs go to the console, with one warning saying why, rather than nowhere.
/// </summary>
internal static class DaemonLogger
{
    /// <summary>Overrides the journal socket's path (tests; a journal in a container).</summary>
    public const string SocketVariable = "SNAPSHOTBACKUPD_JOURNAL_SOCKET";

    private const string ConsoleTemplate = "{Timestamp:yyyy-MM-dd HH:mm:ss} {Level:u3} {Message:lj}{NewLine}{Exception}";

    public static Logger Create(string log, bool debug, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var configuration = new LoggerConfiguration()
            .MinimumLevel.Is(debug ? LogEventLevel.Debug : LogEventLevel.Information)
            .MinimumLevel.Override("Quartz", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Warning)
            .Enrich.FromLogContext()
            .WriteTo.Sink(new RunLogSink());
        var socketPath = environment(SocketVariable) is { Length: > 0 } path ? path : JournalWriter.DefaultSocketPath;
        var journal = log switch
        {
            "journal" => true,
            "console" => false,
            _ => JournaldDetector.ShouldUseJournal(environment, socketPath),
        };
        var unavailable = journal ? JournalProbe.WhyUnavailable(socketPath) : null;
        if (journal && unavailable is null)
        {
            return configuration.WriteTo.Journald(socketPath: socketPath).CreateLogger();
        }
        var logger = configuration.WriteTo.Console(outputTemplate: ConsoleTemplate, standardErrorFromLevel: LogEventLevel.Verbose).CreateLogger();
        if (unavailable is not null)
        {
            logger.Warning("the journal cannot be reached ({Reason}); logging to the console instead", unavailable);
        }
        return logger;
    }
}
