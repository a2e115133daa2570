namespace SnapshotBackup.Core.Rsync;

/// <summary>Runs rsync for one backup (<see cref="RsyncRunner"/>); an interface so the engine's tests run none.</summary>
public interface IRsyncRunner
{
    /// <summary>Runs rsync; <paramref name="onProgress"/> receives overall percentages when progress was asked for.</summary>
    Task<RsyncResult> RunAsync(RsyncOptions options, CancellationToken cancellationToken, Action<int>? onProgress = null);
}
