using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using SnapshotBackup.Core;
using SnapshotBackup.Core.Notifications;

namespace SnapshotBackup.Cli;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is [NotifyChild.CommandName])
        {
            // Hidden: started by the daemon or the CLI as a desktop user, the notification as JSON on stdin.
            return await NotifyChild.RunAsync(Console.OpenStandardInput(), Console.Error, CancellationToken.None);
        }
        using var cancellation = new CancellationTokenSource();
        if (args.Length > 0 && args[0] == ServeCommand.Name)
        {
            // An ssh forced command: its own strict grammar, no configuration, answers only on stdout.
            using var serveTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cancellation.Cancel(); });
            using var serveHup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c => { c.Cancel = true; cancellation.Cancel(); });
            return await ServeCommand.RunAsync(args, cancellation.Token);
        }
        ILogger? logger = null; // the command's (the journal's with -s) once the arguments are read
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            if (!cancellation.IsCancellationRequested)
            {
                (logger ?? new ConsoleLogger(LogLevel.Warning, Console.Error)).LogWarning("{Signal} received: stopping", context.Signal);
                cancellation.Cancel();
            }
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        return await RunAsync(args, Console.Out, Console.Error, cancellation.Token, Environment.GetEnvironmentVariable, l => logger = l);
    }

    /// <summary>Everything but the signal handlers: parse, run, map exceptions to exit codes (tests call this in-process).</summary>
    internal static async Task<int> RunAsync(
        string[] args,
        TextWriter output,
        TextWriter error,
        CancellationToken cancellationToken,
        Func<string, string?>? environment = null,
        Action<ILogger>? loggerReady = null)
    {
        CliArguments arguments;
        try
        {
            arguments = CliArguments.Parse(args);
        }
        catch (UsageException e)
        {
            await error.WriteLineAsync("error: " + e.Message);
            return ExitCodes.Usage;
        }
        using var logging = CliLogging.Create(arguments, error, environment ?? Environment.GetEnvironmentVariable);
        var logger = logging.Logger;
        loggerReady?.Invoke(logger);

        try
        {
            return await new CliApp(arguments, logger, output, error).RunAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            logger.LogError("interrupted: no snapshot was taken; .sync is kept so the next backup continues where this one stopped");
            return ExitCodes.Failed;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogError("{Message}", MessageText.Abbreviate(e.Message));
            logger.LogDebug("{Exception}", e.ToString());
            return ExitCodes.For(e);
        }
    }
}
