using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Core.Processes;
using SnapshotBackup.Core.Rsync;

namespace SnapshotBackup.Core.Engine;

/// <summary>The one way the command and the daemon build a <see cref="BackupEngine"/> on the real btrfs (through sudo where a normal user may not delete: <see cref="SudoBtrfs"/>), rsync and ssh.</summary>
public static class BackupEngineFactory
{
    public static BackupEngine Create(TimeProvider time, ILogger logger)
    {
        var runner = new ProcessRunner(logger);
        var btrfs = SudoBtrfs.ForThisProcess(BtrfsManager.Instance, runner, logger);
        return new BackupEngine(btrfs, new RsyncRunner(runner, logger), new SourceProbe(runner, logger), time, logger);
    }
}
