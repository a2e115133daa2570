using SnapshotBackup.Core;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Engine;

namespace SnapshotBackup.Cli;

/// <summary>
/// <c>snapshotbackup pin NAME SNAPSHOT [--note TEXT]</c> and <c>unpin NAME SNAPSHOT</c> (<see cref="PinOperation"/>):
/// one line saying what was (or, with --dry-run, would be) done; exit 0. A SNAPSHOT that is not on the volume, or an
/// unpin of a snapshot that is not pinned, is a usage error (exit 2, nothing changed); a locked volume exits 75.
/// </summary>
internal sealed class PinCommand(CliArguments arguments, BackupEngine engine, TextWriter output)
{
    public async Task<int> RunAsync(BackupConfig config)
    {
        var command = arguments.Command!;
        if (arguments.Paths.Count != 1 || arguments.Paths[0].Length == 0)
        {
            throw new UsageException($"'{command}' takes one SNAPSHOT after the backup name: the snapshot's full name, as 'snapshotbackup list {config.Name}' shows it");
        }
        var snapshot = arguments.Paths[0];
        var outcome = command == "pin"
            ? engine.Pins.Pin(config, snapshot, string.IsNullOrEmpty(arguments.Note) ? null : arguments.Note, arguments.DryRun)
            : engine.Pins.Unpin(config, snapshot, arguments.DryRun);
        await output.WriteLineAsync(outcome.Message);
        return ExitCodes.Ok;
    }
}
