using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Logging;

namespace SnapshotBackup.Cli;

/// <summary>
/// The command's logger: log lines on standard error (<see cref="ConsoleLogger"/>), or with <c>-s</c> in the systemd
/// journal (<see cref="JournalLogger"/>). <c>-d</c> lowers the level of either. With <c>-s</c> and no journal to
/// receive (no journald, a container), warnings and errors stay on standard error and the rest is dropped: cron still
/// mails what went wrong.
/// </summary>
public sealed class CliLogging : IDisposable
{
    private readonly JournalWriter? journal;

    private CliLogging(ILogger logger, JournalWriter? journal, LogLevel level)
    {
        // A run's lines also go to its RunLog (the failure ping's body), at the level asked for or information.
        Logger = new RunLogLogger(logger, level < LogLevel.Information ? level : LogLevel.Information);
        this.journal = journal;
    }

    public ILogger Logger { get; }

    /// <summary>True when log lines go to the journal.</summary>
    public bool ToJournal => journal is not null;

    public static CliLogging Create(CliArguments arguments, TextWriter error, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(environment);
        var level = arguments.Debug switch
        {
            0 => LogLevel.Information,
            1 => LogLevel.Debug,
            _ => LogLevel.Trace,
        };
        if (!arguments.Silent)
        {
            return new CliLogging(new ConsoleLogger(level, error), null, level);
        }
        var socketPath = environment(JournalLogger.SocketVariable) is { Length: > 0 } path ? path : JournalWriter.DefaultSocketPath;
        var quiet = new ConsoleLogger(arguments.Debug > 0 ? level : LogLevel.Warning, error);
        if (JournalProbe.WhyUnavailable(socketPath) is { } why)
        {
            quiet.LogDebug("-s: the journal cannot be reached ({Reason}); warnings and errors go to standard error", why);
            return new CliLogging(quiet, null, level);
        }
        var writer = new JournalWriter(socketPath);
        KeyValuePair<string, string>[] fields = arguments.Name is { Length: > 0 } name ? [new("BACKUP", name)] : [];
        return new CliLogging(new JournalLogger(writer, level, fields, new ConsoleLogger(LogLevel.Warning, error)), writer, level);
    }

    public void Dispose() => journal?.Dispose();
}
