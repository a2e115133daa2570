namespace SnapshotBackup.Tests.Unit.Engine;

/// <summary>The timer of <see cref="SteppingClock"/>: it has already fired, so there is nothing to change or stop.</summary>
public sealed class FiredTimer : ITimer
{
    public bool Change(TimeSpan dueTime, TimeSpan period) => false;

    public void Dispose()
    {
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
