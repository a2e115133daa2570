using SnapshotBackup.Core.Configuration;

namespace SnapshotBackup.Core.Hooks;

/// <summary>Runs a section's hook command (see <see cref="HookRunner"/>); the seam the run service is tested at.</summary>
public interface IHookRunner
{
    /// <summary>
    /// Runs <paramref name="kind"/>'s command of <paramref name="config"/> through <c>/bin/sh -c</c> with
    /// <paramref name="environment"/> added, to its end or <see cref="HookCommands.Timeout"/>; null when the section has
    /// no such hook. Throws only <see cref="OperationCanceledException"/> (after stopping the hook) and when the shell
    /// cannot be started.
    /// </summary>
    Task<HookResult?> RunAsync(BackupConfig config, HookKind kind, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken);
}
