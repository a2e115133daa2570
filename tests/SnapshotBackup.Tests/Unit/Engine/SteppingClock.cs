namespace SnapshotBackup.Tests.Unit.Engine;

/// <summary>A clock that stands still until someone waits on it, then jumps by the wait at once; local time is UTC unless set.</summary>
public sealed class SteppingClock(DateTimeOffset start) : TimeProvider
{
    private readonly Lock _gate = new();
    private DateTimeOffset _now = start;

    /// <summary>Every wait asked of this clock, in order.</summary>
    public List<TimeSpan> Waits { get; } = [];

    /// <summary>The local time zone (UTC by default).</summary>
    public TimeZoneInfo Zone { get; set; } = TimeZoneInfo.Utc;

    public override TimeZoneInfo LocalTimeZone => Zone;

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _now;
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        lock (_gate)
        {
            Waits.Add(dueTime);
            _now += dueTime;
        }
        ThreadPool.QueueUserWorkItem(_ => callback(state));
        return new FiredTimer();
    }
}
