using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Copies;
using SnapshotBackup.Core.Processes;

namespace SnapshotBackup.Cli;

/// <summary>
/// <c>snapshotbackup serve --copies DIR</c>: the forced command of a copy target's ssh key (see <see cref="CopyServer"/>).
/// Read before the normal command line: it has its own strict grammar and must never read a configuration, prompt or
/// print anything but the protocol's answers on standard output.
/// </summary>
internal static class ServeCommand
{
    public const string Name = CopyProtocol.Command;

    public static Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        // Warnings (a lock wait) on stderr: standard output carries only the protocol's answers.
        var logger = new ConsoleLogger(LogLevel.Warning, Console.Error);
        var server = new CopyServer(
            target => new LocalCopyDestination(target, sourceVolume: null, logger) { ChrootReceive = true },
            RemoteCopyDestination.ProductVersion,
            () => SendStreamVersion.Local(ProgramLocator.Find("btrfs", Environment.GetEnvironmentVariable("PATH")) ?? "btrfs", logger));
        return server.RunAsync(
            args.Skip(1).ToList(),
            Environment.GetEnvironmentVariable("SSH_ORIGINAL_COMMAND"),
            Console.OpenStandardInput(),
            Console.OpenStandardOutput(),
            Console.Error,
            cancellationToken);
    }
}
