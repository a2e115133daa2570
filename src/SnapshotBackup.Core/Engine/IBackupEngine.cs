using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Retention;

namespace SnapshotBackup.Core.Engine;

/// <summary>The steps of a backup run that touch the volume (the seam <see cref="Runs.BackupRunService"/> is tested at).</summary>
public interface IBackupEngine
{
    /// <summary>
    /// Checks source and volume, takes the volume lock, rsyncs into <c>.sync</c> and takes the read-only snapshot. The
    /// result holds the lock until disposed. A failure makes no snapshot, keeps <c>.sync</c> and releases the lock.
    /// </summary>
    Task<BackupStepResult> BackupAsync(BackupConfig config, BackupRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Autodecay (<paramref name="decay"/>) or autoprune under the lock <paramref name="backup"/> holds; never deletes the
    /// snapshot it took, even if the clock put a newer one there.
    /// </summary>
    DeleteOutcome DeleteCandidates(BackupConfig config, BackupStepResult backup, bool decay);

    /// <summary>The time of the newest backup on the volume, null when it has none; throws when it cannot be read.</summary>
    DateTimeOffset? NewestBackup(BackupConfig config);

    /// <summary>The backups on the volume, oldest first (the listing <see cref="NewestBackup"/> reads); throws when it cannot be read.</summary>
    Volume.VolumeListing ListSnapshots(BackupConfig config);

    /// <summary>Throws <see cref="Volume.VolumeUnavailableException"/> when the backups directory is not usable.</summary>
    void EnsureAvailable(BackupConfig config);

    /// <summary>
    /// The volume checked available and its lock taken: at once (<paramref name="wait"/> null, throws
    /// <see cref="Volume.VolumeLockedException"/>) or waiting up to <paramref name="wait"/>. For work on the snapshots
    /// outside a backup (a copy).
    /// </summary>
    Task<IDisposable> LockVolumeAsync(BackupConfig config, TimeSpan? wait, CancellationToken cancellationToken);

    /// <summary>Copies to one target under the volume lock the caller holds (see <see cref="Copies.CopyService"/>).</summary>
    Task<Copies.CopyReport> CopyAsync(BackupConfig config, Copies.CopyTarget target, Copies.CopyOptions options, CancellationToken cancellationToken);

    /// <summary>What the volume remembers of its copy targets (empty when none or unreadable).</summary>
    IReadOnlyDictionary<string, Copies.CopyRecord> CopyRecords(BackupConfig config);
}
