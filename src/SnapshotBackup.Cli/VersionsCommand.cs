using Microsoft.Extensions.Logging;
using SnapshotBackup.Core;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Engine;

namespace SnapshotBackup.Cli;

/// <summary><c>snapshotbackup versions NAME PATH</c>: the distinct versions of one file or directory across the snapshots.</summary>
internal sealed class VersionsCommand(CliArguments arguments, BackupEngine engine, ILogger logger, TextWriter output, TimeProvider time)
{
    public Task<int> RunAsync(BackupConfig config, CancellationToken cancellationToken)
    {
        _ = (arguments, engine, logger, output, time, config, cancellationToken);
        throw new UsageException("'versions' is not built yet");
    }
}
