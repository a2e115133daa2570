using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Copies;

namespace SnapshotBackup.Core.Engine;

public sealed partial class BackupEngine : IBackupEngine
{
    /// <inheritdoc/>
    public DeleteOutcome DeleteCandidates(BackupConfig config, BackupStepResult backup, bool decay)
    {
        ArgumentNullException.ThrowIfNull(backup);
        var volume = backup.Volume ?? throw new InvalidOperationException("a dry run holds no volume lock; it deletes nothing");
        return Retention.DeleteCandidatesLocked(config, volume, decay, e => e.Name != backup.SnapshotName);
    }

    /// <inheritdoc/>
    public DateTimeOffset? NewestBackup(BackupConfig config) => ListSnapshots(config).Newest?.Time;

    /// <inheritdoc/>
    public Volume.VolumeListing ListSnapshots(BackupConfig config) => _environment.AvailableVolumeOf(config).List();

    /// <inheritdoc/>
    public void EnsureAvailable(BackupConfig config) => VolumeOf(config).EnsureAvailable(config.Name);

    /// <inheritdoc/>
    public async Task<IDisposable> LockVolumeAsync(BackupConfig config, TimeSpan? wait, CancellationToken cancellationToken)
    {
        var volume = _environment.AvailableVolumeOf(config);
        return wait is { } timeout
            ? await _environment.Locks.AcquireAsync(volume.Path, config.Name, timeout, null, cancellationToken)
            : _environment.Lock(volume, config);
    }

    /// <inheritdoc/>
    public Task<CopyReport> CopyAsync(BackupConfig config, CopyTarget target, CopyOptions options, CancellationToken cancellationToken) =>
        CopiesOf(config).CopyAsync(config, target, options, cancellationToken);

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, CopyRecord> CopyRecords(BackupConfig config) => new CopyRecords(config.Backups).Read();
}
