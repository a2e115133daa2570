namespace SnapshotBackup.Core.Configuration;

/// <summary>
/// A section's hook command lines, each run through <c>/bin/sh -c</c> as written (null: no hook), and how long each
/// may take. See <see cref="Hooks.HookRunner"/>.
/// </summary>
public sealed record HookCommands
{
    /// <summary>The default <c>hook_timeout</c>.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromHours(1);

    /// <summary><c>before_backup</c>: runs under the volume lock before rsync; its failure skips the backup.</summary>
    public string? BeforeBackup { get; init; }

    /// <summary><c>after_backup</c>: runs after a successful backup (and its retention and copies); its failure is a warning.</summary>
    public string? AfterBackup { get; init; }

    /// <summary><c>on_failure</c>: runs after a run that failed (not one skipped or interrupted).</summary>
    public string? OnFailure { get; init; }

    /// <summary><c>before_prune</c>: runs before autodecay / autoprune and the prune and decay commands; its failure skips them.</summary>
    public string? BeforePrune { get; init; }

    /// <summary><c>after_prune</c>: runs after them; its failure is a warning.</summary>
    public string? AfterPrune { get; init; }

    /// <summary><c>hook_timeout</c>: each hook is stopped (its whole process group) after this long.</summary>
    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    /// <summary>The command of <paramref name="kind"/>, null when none is configured.</summary>
    public string? Of(Hooks.HookKind kind) => kind switch
    {
        Hooks.HookKind.BeforeBackup => BeforeBackup,
        Hooks.HookKind.AfterBackup => AfterBackup,
        Hooks.HookKind.OnFailure => OnFailure,
        Hooks.HookKind.BeforePrune => BeforePrune,
        Hooks.HookKind.AfterPrune => AfterPrune,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
