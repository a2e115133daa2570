namespace SnapshotBackup.Core.Rsync;

/// <summary>Runs rsync for one backup or restore (<see cref="RsyncRunner"/>); an interface so the engine's tests run none.</summary>
public interface IRsyncRunner
{
    /// <summary>Runs rsync; <paramref name="onProgress"/> receives overall percentages when progress was asked for.</summary>
    Task<RsyncResult> RunAsync(RsyncOptions options, CancellationToken cancellationToken, Action<int>? onProgress = null);

    /// <summary>Runs a restore's rsync (<see cref="RsyncCommandBuilder.BuildRestore"/>); a dry run returns the itemized changes.</summary>
    Task<RsyncResult> RunRestoreAsync(RestoreRsyncOptions options, CancellationToken cancellationToken);
}
