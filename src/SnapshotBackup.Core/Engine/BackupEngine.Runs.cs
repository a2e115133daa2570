using SnapshotBackup.Core.Configuration;

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
    public DateTimeOffset? NewestBackup(BackupConfig config) => _environment.AvailableVolumeOf(config).List().Newest?.Time;

    /// <inheritdoc/>
    public void EnsureAvailable(BackupConfig config) => VolumeOf(config).EnsureAvailable(config.Name);
}
