using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Copies;
using SnapshotBackup.Core.Restore;
using SnapshotBackup.Core.Retention;
using SnapshotBackup.Core.Rsync;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Core.Engine;

/// <summary>
/// The operations of the seed's tool on one configured backup: setup, backup, list, prune, decay, destroy, clean.
/// A thin facade over the three concerns, each its own class: <see cref="BackupOperation"/> (rsync and snapshot),
/// <see cref="RetentionOperation"/> (prune, decay and their dry runs) and <see cref="VolumeMaintenance"/> (setup,
/// list, destroy, clean). Policy (retention, the <c>.sync</c> table, snapshot names) is pure; the operations do the
/// I/O around it through <see cref="EngineEnvironment"/> under the volume lock.
/// </summary>
public sealed partial class BackupEngine
{
    private readonly EngineEnvironment _environment;

    /// <summary>The engine on this machine (mount table, files, flock) with the given btrfs, rsync and clock.</summary>
    public BackupEngine(IBtrfsManager btrfs, IRsyncRunner rsync, ISourceProbe sourceProbe, TimeProvider time, ILogger logger)
        : this(EngineEnvironment.System(btrfs, time) with { Cleaner = new BtrfsCleaner(new Processes.ProcessRunner(logger), logger) }, rsync, sourceProbe, logger)
    {
    }

    public BackupEngine(EngineEnvironment environment, IRsyncRunner rsync, ISourceProbe sourceProbe, ILogger logger)
    {
        _environment = environment;
        Retention = new RetentionOperation(environment, logger);
        Maintenance = new VolumeMaintenance(environment, logger);
        Backup = new BackupOperation(environment, rsync, sourceProbe, logger);
        Restore = new RestoreOperation(rsync, logger);
        Pins = new PinOperation(environment, logger);
        _logger = logger;
    }

    private readonly ILogger _logger;

    /// <summary>The copy service of <paramref name="config"/>: its targets opened as <see cref="CopyDestinations"/> does,
    /// knowing the source volume (a target on the same filesystem is refused).</summary>
    public CopyService CopiesOf(BackupConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new CopyService(_environment.Btrfs, target => CopyDestinations.Open(target, config.Backups, _logger), _environment.Time, _logger);
    }

    public BackupOperation Backup { get; }

    public RetentionOperation Retention { get; }

    public VolumeMaintenance Maintenance { get; }

    public RestoreOperation Restore { get; }

    /// <summary><c>pin</c> and <c>unpin</c>: the snapshots prune and decay never delete.</summary>
    public PinOperation Pins { get; }

    /// <summary>
    /// The volume of <paramref name="config"/>, checked available, and its lock taken at once (throws
    /// <see cref="VolumeLockedException"/>): what a restore without a backup first holds while it reads a snapshot.
    /// </summary>
    public IDisposable LockVolume(BackupConfig config) => _environment.Lock(_environment.AvailableVolumeOf(config), config);

    public BackupVolume VolumeOf(BackupConfig config) => _environment.VolumeOf(config);

    /// <inheritdoc cref="VolumeMaintenance.Setup"/>
    public void Setup(BackupConfig config, bool dryRun = false) => Maintenance.Setup(config, dryRun);

    /// <inheritdoc cref="VolumeMaintenance.List"/>
    public IReadOnlyList<BackupEntry> List(BackupConfig config) => Maintenance.List(config);

    /// <inheritdoc cref="BackupOperation.BackupAsync"/>
    public Task<BackupStepResult> BackupAsync(BackupConfig config, BackupRequest request, CancellationToken cancellationToken) =>
        Backup.BackupAsync(config, request, cancellationToken);

    /// <inheritdoc cref="RetentionOperation.Prune"/>
    public DeleteOutcome Prune(BackupConfig config, Func<BackupEntry, bool> confirm) => Retention.Prune(config, confirm);

    /// <inheritdoc cref="RetentionOperation.Decay"/>
    public DeleteOutcome Decay(BackupConfig config, Func<BackupEntry, bool> confirm) => Retention.Decay(config, confirm);

    /// <inheritdoc cref="RetentionOperation.PlanDeleteCandidates"/>
    public DeleteOutcome PlanDeleteCandidates(BackupConfig config, bool decay) => Retention.PlanDeleteCandidates(config, decay);

    /// <inheritdoc cref="VolumeMaintenance.Destroy"/>
    public DeleteOutcome Destroy(BackupConfig config, Func<IReadOnlyList<string>, bool> confirmAll) => Maintenance.Destroy(config, confirmAll);

    /// <inheritdoc cref="VolumeMaintenance.PlanDestroy"/>
    public DeleteOutcome PlanDestroy(BackupConfig config) => Maintenance.PlanDestroy(config);

    /// <inheritdoc cref="VolumeMaintenance.PlanClean"/>
    public PlannedDeletion? PlanClean(BackupConfig config) => Maintenance.PlanClean(config);

    /// <inheritdoc cref="VolumeMaintenance.Clean"/>
    public void Clean(BackupConfig config) => Maintenance.Clean(config);
}
