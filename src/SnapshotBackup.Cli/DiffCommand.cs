using Microsoft.Extensions.Logging;
using SnapshotBackup.Core;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Engine;

namespace SnapshotBackup.Cli;

/// <summary><c>snapshotbackup diff NAME A [B]</c>: what changed from snapshot A to snapshot B, or to the source.</summary>
internal sealed class DiffCommand(CliArguments arguments, BackupEngine engine, ILogger logger, TextWriter output, TimeProvider time)
{
    public Task<int> RunAsync(BackupConfig config, CancellationToken cancellationToken)
    {
        _ = (arguments, engine, logger, output, time, config, cancellationToken);
        throw new UsageException("'diff' is not built yet");
    }
}
