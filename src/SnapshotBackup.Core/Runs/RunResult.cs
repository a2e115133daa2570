namespace SnapshotBackup.Core.Runs;

/// <summary>What one backup run (backup, autodecay, autoprune) did, as the command prints it and the daemon records it.</summary>
public sealed record RunResult(string Section, RunOutcome Outcome)
{
    /// <summary>The snapshot taken; null for a dry run and for a run that did not succeed.</summary>
    public string? SnapshotName { get; init; }

    /// <summary>Bytes rsync transferred.</summary>
    public long BytesTransferred { get; init; }

    /// <summary>Regular files rsync wrote; null when it did not say (and for a run that took no snapshot).</summary>
    public long? FilesTransferred { get; init; }

    /// <summary>From the start of the run to its end (the backup and its autodecay / autoprune).</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>When the run ended.</summary>
    public DateTimeOffset Finished { get; init; }

    /// <summary>Backups deleted by autodecay, then by autoprune.</summary>
    public IReadOnlyList<string> Decayed { get; init; } = [];

    /// <inheritdoc cref="Decayed"/>
    public IReadOnlyList<string> Pruned { get; init; } = [];

    /// <summary>Snapshots <c>min_free</c> deleted to make room for this backup, each with its reason.</summary>
    public IReadOnlyList<Retention.FreeSpaceDeletion> MinFreeDeleted { get; init; } = [];

    /// <summary>A dry run's itemized changes, as rsync reported them; empty for a real backup.</summary>
    public IReadOnlyList<string> Changes { get; init; } = [];

    /// <summary>Why the run did not succeed; null when it did.</summary>
    public string? ErrorMessage => Error?.Message;

    /// <summary>The kind of error (the exception's type name, e.g. <c>SourceUnavailableException</c>); null on success.</summary>
    public string? ErrorKind => Error?.GetType().Name;

    /// <summary>The exception that ended the run (the command rethrows it for its message and exit code).</summary>
    public Exception? Error { get; init; }

    /// <summary>An autodecay or autoprune that failed after the snapshot was taken: the run still succeeded.</summary>
    public Exception? RetentionError { get; init; }

    /// <summary>
    /// The step after the snapshot (<see cref="Engine.BackupRequest.AfterSnapshot"/>: a restore) failed or was
    /// interrupted: the snapshot is taken and the run succeeded as a backup.
    /// </summary>
    public Exception? StepError { get; init; }

    /// <summary>What the copies after the backup did, one report per target (empty when none ran).</summary>
    public IReadOnlyList<Copies.CopyReport> Copies { get; init; } = [];

    /// <summary>
    /// Hooks that ran and failed without failing the run (<c>after_backup</c>, <c>after_prune</c>, <c>on_failure</c>): a
    /// warning each, as <see cref="Hooks.HookResult.Describe"/> words it.
    /// </summary>
    public IReadOnlyList<string> HookWarnings { get; init; } = [];

    /// <summary>Whether this was a dry run: nothing written, no retention, nothing notified or recorded.</summary>
    public bool DryRun { get; init; }
}
