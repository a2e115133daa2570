using Microsoft.Extensions.Logging;
using SnapshotBackup.Core;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Engine;
using SnapshotBackup.Core.History;

namespace SnapshotBackup.Cli;

/// <summary>
/// <c>snapshotbackup versions NAME PATH</c>: the distinct versions of one file or directory across the snapshots
/// (<see cref="VersionFinder"/>). Exit 0; 1 when some snapshot's entry could not be read (warnings name them).
/// </summary>
internal sealed class VersionsCommand(CliArguments arguments, BackupEngine engine, ILogger logger, TextWriter output, TimeProvider time)
{
    public async Task<int> RunAsync(BackupConfig config, CancellationToken cancellationToken)
    {
        if (arguments.Paths.Count != 1)
        {
            throw new UsageException("'versions' takes one PATH: a file or directory in the source (absolute, or relative to the source's top)");
        }
        var path = SourcePath.Relative(arguments.Paths[0], config);
        var volume = engine.VolumeOf(config);
        volume.EnsureAvailable(config.Name);
        var snapshots = volume.List().Snapshots.Select(s => (s.Name, Path.Combine(volume.Path, s.Name))).ToList();
        cancellationToken.ThrowIfCancellationRequested();
        var (versions, unreadable) = VersionFinder.Find(snapshots, path);
        foreach (var problem in unreadable)
        {
            logger.LogWarning("cannot read {Problem}", problem);
        }
        await output.WriteAsync(arguments.Json
            ? VersionsPrinter.Json(path, versions, unreadable, time.LocalTimeZone)
            : VersionsPrinter.Text(path, versions, time.LocalTimeZone));
        return unreadable.Count > 0 ? ExitCodes.Failed : ExitCodes.Ok;
    }
}
