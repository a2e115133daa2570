using Microsoft.Extensions.Logging;
using SnapshotBackup.Core;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Engine;
using SnapshotBackup.Core.History;
using SnapshotBackup.Core.Processes;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Cli;

/// <summary>
/// <c>snapshotbackup diff NAME A [B]</c>: what changed from snapshot A to snapshot B, or to the (local) source
/// (<see cref="SnapshotDiff"/>). The way it was found is logged (info) and in <c>--json</c>'s <c>method</c>. Exit 0; 1
/// when some entry could not be read (warnings name them; the list lacks their changes); 2 for a remote source.
/// </summary>
internal sealed class DiffCommand(CliArguments arguments, BackupEngine engine, ILogger logger, TextWriter output, TimeProvider time)
{
    public async Task<int> RunAsync(BackupConfig config, CancellationToken cancellationToken)
    {
        if (arguments.Paths.Count is not (1 or 2))
        {
            throw new UsageException("'diff' takes snapshot A and optionally snapshot B (without B: A against the source)");
        }
        var volume = engine.VolumeOf(config);
        volume.EnsureAvailable(config.Name);
        var listing = volume.List();
        var a = SnapshotSelector.ByName(listing, arguments.Paths[0], volume.Path);
        var differ = new SnapshotDiff(new ProcessRunner(logger), logger);
        DiffResult result;
        string bName;
        if (arguments.Paths.Count == 2)
        {
            var b = SnapshotSelector.ByName(listing, arguments.Paths[1], volume.Path);
            bName = b.Name;
            result = await differ.BetweenSnapshotsAsync(Path.Combine(volume.Path, a.Name), Path.Combine(volume.Path, b.Name), cancellationToken);
        }
        else
        {
            if (config.IsRemoteSource)
            {
                throw new UsageException(
                    $"'{config.Name}' has a remote source ({config.Source}); diff compares a snapshot with a local source only: give snapshot B, or run diff where the source is");
            }
            var source = Path.GetFullPath(config.Source);
            if (!Directory.Exists(source))
            {
                throw new OperationFailedException($"source {source} does not exist or is not a directory; give snapshot B to compare two snapshots");
            }
            bName = "source";
            var filter = new ExcludeFilter(config.Ignore);
            result = differ.AgainstSource(Path.Combine(volume.Path, a.Name), source, filter.IsEmpty ? null : filter.Excludes);
        }
        foreach (var problem in result.Unreadable)
        {
            logger.LogWarning("cannot read {Problem}", problem);
        }
        await output.WriteAsync(arguments.Json ? DiffPrinter.Json(result, a.Name, bName) : DiffPrinter.Text(result, arguments.Stat));
        _ = time;
        return result.Unreadable.Count > 0 ? ExitCodes.Failed : ExitCodes.Ok;
    }
}
