namespace SnapshotBackup.Core.Engine;

/// <summary>How one backup run should go.</summary>
public sealed record BackupRequest
{
    public bool Checksum { get; init; }
    public bool DryRun { get; init; }
    public bool Progress { get; init; }

    /// <summary>Overrides the configured source (<c>--source</c>).</summary>
    public string? SourceOverride { get; init; }

    /// <summary>How long to wait for a locked volume; null fails at once (the CLI), the daemon waits.</summary>
    public TimeSpan? LockWait { get; init; }

    public Action<int>? OnProgress { get; init; }

    /// <summary>
    /// The daemon's change journal of the section's local source: the backup rsyncs only what changed when the journal can
    /// be trusted, or scans everything and says why (<see cref="Journal.SourceJournal.Begin"/>). Null: a full scan (the command).
    /// </summary>
    public Journal.SourceJournal? Journal { get; init; }

    /// <summary>
    /// Marks the backup taken before a restore into the source: what is restored (<c>docs, a.txt from SNAPSHOT</c>),
    /// for the log line <c>snapshot X taken before restoring ...</c>. Such a run skips autodecay and autoprune, so
    /// retention never deletes the snapshot about to be restored from; null for an ordinary backup.
    /// </summary>
    public string? BeforeRestore { get; init; }

    /// <summary>
    /// A step run under the backup's volume lock before rsync reads the source (the run's start: health-check ping,
    /// <c>before_backup</c> hook); when it throws, no backup is taken. Not for a dry run.
    /// </summary>
    public Func<CancellationToken, Task>? BeforeSync { get; init; }

    /// <summary>
    /// A step run under the backup's volume lock right after the snapshot (the restore), given the backup's result.
    /// Its failure does not undo the snapshot: it ends up in <see cref="Runs.RunResult.StepError"/>. Not for a dry run.
    /// </summary>
    public Func<BackupStepResult, CancellationToken, Task>? AfterSnapshot { get; init; }

    /// <summary>
    /// Copy to the section's <c>copy_to</c> targets after backup and retention (when it has no <c>copy_schedule</c> of its
    /// own); false leaves copying to its own run. Never for a dry run or a backup taken before a restore.
    /// </summary>
    public bool Copy { get; init; } = true;

    /// <summary>Progress of the copies after the backup (bytes, rate), for a terminal or the daemon's status line.</summary>
    public Action<Copies.CopyProgress>? OnCopyProgress { get; init; }
}
