using Microsoft.Extensions.Logging;
using SnapshotBackup.Core;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Engine;
using SnapshotBackup.Core.Runs;

namespace SnapshotBackup.Cli;

/// <summary><c>snapshotbackup restore NAME PATH…</c>: files back from a snapshot, into the source (after a backup of it) or <c>--to DIR</c>.</summary>
internal sealed class RestoreCommand(CliArguments arguments, BackupEngine engine, BackupRunService runs, ILogger logger, TextWriter output, TimeProvider time)
{
    /// <summary>Answers [y/N] questions; null means there is no terminal to ask on.</summary>
    public Func<string, bool>? Ask { get; init; }

    public Task<int> RunAsync(BackupConfig config, CancellationToken cancellationToken)
    {
        _ = (arguments, engine, runs, logger, output, time, config, cancellationToken);
        throw new UsageException("'restore' is not built yet");
    }
}
