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
        CliArguments arguments;
        try
        {
            arguments = CliArguments.Parse(args);
        }
        catch (UsageException e)
        {
            await Console.Error.WriteLineAsync("error: " + e.Message);
            return ExitCodes.Usage;
        }
        var level = arguments.Debug switch
        {
            0 => LogLevel.Information,
            1 => LogLevel.Debug,
            _ => LogLevel.Trace,
        };
        var logger = new ConsoleLogger(level, Console.Error);

        using var cancellation = new CancellationTokenSource();
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            if (!cancellation.IsCancellationRequested)
            {
                logger.LogWarning("{Signal} received: stopping", context.Signal);
                cancellation.Cancel();
            }
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);

        try
        {
            return await new CliApp(arguments, logger, Console.Out, Console.Error).RunAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            logger.LogError("interrupted: no snapshot was taken; .sync is kept so the next backup continues where this one stopped");
            return ExitCodes.Failed;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogError("{Message}", e.Message);
            logger.LogDebug("{Exception}", e.ToString());
            return ExitCodes.For(e);
        }
    }
}
