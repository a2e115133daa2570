namespace SnapshotBackup.Core.Time;

/// <summary>Local wall-clock times of a time zone, read the way Python reads an aware datetime with <c>fold=0</c>.</summary>
public static class WallClock
{
    private static readonly TimeSpan GapStep = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan LongestGap = TimeSpan.FromHours(48);

    /// <summary>The wall-clock time of <paramref name="instant"/> in <paramref name="zone"/>, without an offset.</summary>
    public static DateTime Of(DateTimeOffset instant, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        return DateTime.SpecifyKind(TimeZoneInfo.ConvertTime(instant, zone).DateTime, DateTimeKind.Unspecified);
    }

    /// <summary>
    /// The instant <paramref name="wall"/> denotes in <paramref name="zone"/>, like Python's
    /// <c>datetime(..., tzinfo=zone, fold=0)</c> (PEP 495), which is what <c>now - relativedelta(...)</c> gives:
    /// an ambiguous time (the hour repeated when the clocks go back) is its first occurrence, and a time that does
    /// not exist (the hour skipped when the clocks go forward) is read with the offset in effect before the change,
    /// so 02:30 on the night Berlin skips from 02:00 to 03:00 is 01:30 UTC, shown as 03:30+02:00.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">when the instant is outside <see cref="DateTimeOffset"/>'s range.</exception>
    public static DateTimeOffset Resolve(DateTime wall, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        wall = DateTime.SpecifyKind(wall, DateTimeKind.Unspecified);
        if (zone.IsAmbiguousTime(wall))
        {
            // The first occurrence is the earlier instant, the one with the larger offset.
            return ToInstant(wall, zone.GetAmbiguousTimeOffsets(wall).Max());
        }
        if (!zone.IsInvalidTime(wall))
        {
            return ToInstant(wall, zone.GetUtcOffset(wall));
        }
        // In the gap: the offset of the last wall-clock time before it. Gaps are whole minutes long, at most a day
        // (Pacific/Apia skipped 30 December 2011), so stepping back a quarter of an hour at a time finds it.
        for (var back = GapStep; back <= LongestGap; back += GapStep)
        {
            var earlier = wall - back;
            if (!zone.IsInvalidTime(earlier))
            {
                var offset = zone.IsAmbiguousTime(earlier) ? zone.GetAmbiguousTimeOffsets(earlier).Min() : zone.GetUtcOffset(earlier);
                return ToInstant(wall, offset);
            }
        }
        return ToInstant(wall, zone.BaseUtcOffset);
    }

    private static DateTimeOffset ToInstant(DateTime wall, TimeSpan offset) => new(wall, offset);
}
