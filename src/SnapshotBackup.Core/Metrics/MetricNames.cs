namespace SnapshotBackup.Core.Metrics;

/// <summary>
/// The metric families of <c>snapshotbackup.prom</c>, in the order they are written: the <c>snapshotbackup_</c>
/// namespace, base units (seconds, bytes), <c>_timestamp_seconds</c> for Unix times and <c>_total</c> for counters, as
/// the Prometheus naming guide asks. Every series has the label <c>backup</c> (the section); the copy families add
/// <c>target</c> and the outcome family <c>outcome</c>. The README's Metrics section lists them for people.
/// </summary>
public static class MetricNames
{
    public const string Prefix = "snapshotbackup_";
    public const string BackupLabel = "backup";
    public const string TargetLabel = "target";
    public const string OutcomeLabel = "outcome";

    public static readonly MetricFamily LastSuccess = new(Prefix + "last_success_timestamp_seconds", MetricFamily.Gauge,
        "When the last successful backup run of the section ended (Unix time).");

    public static readonly MetricFamily LastAttempt = new(Prefix + "last_attempt_timestamp_seconds", MetricFamily.Gauge,
        "When the last backup run of the section started, whatever its outcome (Unix time).");

    public static readonly MetricFamily LastDuration = new(Prefix + "last_duration_seconds", MetricFamily.Gauge,
        "How long the last backup run took (backup, retention, copies, hooks).");

    public static readonly MetricFamily LastTransferredBytes = new(Prefix + "last_transferred_bytes", MetricFamily.Gauge,
        "Bytes rsync transferred in the last backup run (0 when it took no snapshot).");

    public static readonly MetricFamily LastTransferredFiles = new(Prefix + "last_transferred_files", MetricFamily.Gauge,
        "Regular files rsync wrote in the last backup run (0 when it took no snapshot).");

    public static readonly MetricFamily LastOutcome = new(Prefix + "last_outcome", MetricFamily.Gauge,
        "The outcome of the last backup run: 1 for it, 0 for the others (succeeded, skipped, failed, interrupted).");

    public static readonly MetricFamily Snapshots = new(Prefix + "snapshots", MetricFamily.Gauge,
        "Snapshots (backups) on the volume.");

    public static readonly MetricFamily OldestSnapshot = new(Prefix + "oldest_snapshot_timestamp_seconds", MetricFamily.Gauge,
        "The time of the oldest snapshot on the volume, from its name (Unix time).");

    public static readonly MetricFamily NewestSnapshot = new(Prefix + "newest_snapshot_timestamp_seconds", MetricFamily.Gauge,
        "The time of the newest snapshot on the volume, from its name (Unix time).");

    public static readonly MetricFamily Pruned = new(Prefix + "pruned_snapshots_total", MetricFamily.Counter,
        "Snapshots deleted by prune (autoprune and the prune command).");

    public static readonly MetricFamily Decayed = new(Prefix + "decayed_snapshots_total", MetricFamily.Counter,
        "Snapshots deleted by decay (autodecay and the decay command).");

    public static readonly MetricFamily MinFreeDeleted = new(Prefix + "min_free_deleted_snapshots_total", MetricFamily.Counter,
        "Snapshots deleted by min_free to bring the volume's free space back to the limit.");

    public static readonly MetricFamily VolumeAvailable = new(Prefix + "volume_available", MetricFamily.Gauge,
        "1 when the backups directory was readable at the last update, 0 when not (the volume series then keep their last values).");

    public static readonly MetricFamily VolumeSize = new(Prefix + "volume_size_bytes", MetricFamily.Gauge,
        "Size of the filesystem holding the backups (statfs).");

    public static readonly MetricFamily VolumeFree = new(Prefix + "volume_free_bytes", MetricFamily.Gauge,
        "Bytes free for unprivileged users on the filesystem holding the backups (statfs f_bavail).");

    public static readonly MetricFamily CopyLastSuccess = new(Prefix + "copy_last_success_timestamp_seconds", MetricFamily.Gauge,
        "When a copy run to the target last ended with every wanted snapshot there (Unix time).");

    public static readonly MetricFamily CopyLag = new(Prefix + "copy_lag_seconds", MetricFamily.Gauge,
        "How far the target is behind: the time of the newest snapshot minus the time of the newest one copied to the target.");

    /// <summary>Every family, in file order.</summary>
    public static IReadOnlyList<MetricFamily> All { get; } =
    [
        LastSuccess, LastAttempt, LastDuration, LastTransferredBytes, LastTransferredFiles, LastOutcome, Snapshots, OldestSnapshot,
        NewestSnapshot, Pruned, Decayed, MinFreeDeleted, VolumeAvailable, VolumeSize, VolumeFree, CopyLastSuccess, CopyLag,
    ];

    /// <summary>The values of the outcome label, as <see cref="Runs.RunOutcome"/> in lower case.</summary>
    public static IReadOnlyList<string> Outcomes { get; } = ["succeeded", "skipped", "failed", "interrupted"];
}
