using SnapshotBackup.Core.Copies;

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
        var server = new CopyServer(target => new InterimLocalCopyDestination(target), RemoteCopyDestination.ProductVersion, CopyServer.LocalSendProtocol);
        return server.RunAsync(
            args.Skip(1).ToList(),
            Environment.GetEnvironmentVariable("SSH_ORIGINAL_COMMAND"),
            Console.OpenStandardInput(),
            Console.OpenStandardOutput(),
            Console.Error,
            cancellationToken);
    }
}
