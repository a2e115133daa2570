namespace SnapshotBackup.Daemon.Power;

/// <summary>Returned when no inhibitor lock could be taken; disposing it does nothing.</summary>
internal sealed class NoOpInhibitorLock : IAsyncDisposable
{
    public static NoOpInhibitorLock Instance { get; } = new();

    private NoOpInhibitorLock()
    {
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
