using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Processes;

namespace SnapshotBackup.Core.Engine;

/// <summary>Checks that a source can be read before anything is written: a local directory, or one over ssh.</summary>
public sealed class SourceProbe(ProcessRunner runner, ILogger logger) : ISourceProbe
{
    public static readonly TimeSpan SshTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Throws <see cref="SourceUnavailableException"/> when the source is not reachable.</summary>
    public async Task CheckAsync(string source, CancellationToken cancellationToken)
    {
        if (RemoteSource.TryParse(source, out var remote))
        {
            var command = BuildSshCheck(remote);
            var result = await runner.RunAsync(command, SshTimeout, cancellationToken).ConfigureAwait(false);
            if (result.ExitCode == 255)
            {
                throw new SourceUnavailableException($"source host {remote.Destination} is unreachable over ssh: {result.StandardErrorTail.Trim()}");
            }
            if (result.ExitCode != 0)
            {
                throw new SourceUnavailableException($"source {source} is not a directory on {remote.Destination}");
            }
            logger.LogDebug("source {Source} reachable over ssh", source);
            return;
        }
        if (Directory.Exists(source))
        {
            return;
        }
        if (File.Exists(source))
        {
            throw new SourceUnavailableException(
                $"source {source} is a file, not a directory; a backup copies a directory's contents: set source to the directory that holds it");
        }
        throw new SourceUnavailableException($"source {source} does not exist (disk not mounted?)");
    }

    /// <summary><c>ssh … dest test -d 'path'</c>; the remote shell sees the path single-quoted, so it runs nothing.</summary>
    public static ExternalCommand BuildSshCheck(RemoteSource remote) => new(
        Ssh.Program,
        [.. Ssh.NonInteractiveOptions(Ssh.ProbeConnectTimeout), "--", remote.Destination, "test", "-d", ShellQuoting.Quote(remote.Path)]);
}
