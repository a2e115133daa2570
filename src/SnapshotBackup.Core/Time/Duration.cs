using System.Diagnostics.CodeAnalysis;

namespace SnapshotBackup.Core.Time;

/// <summary>
/// A configured span back from now, as the original snapshotbackup read it with <c>dateparser.parse(value)</c>:
/// <c>1 day</c>, <c>'2 weeks'</c>, <c>3 months ago</c>, <c>2w</c>, <c>1 day 12 hours</c>, <c>1.5 days</c>, <c>a week</c>,
/// <c>yesterday</c> (see <see cref="DurationParser"/> for every form). It is a set of parts, one per unit, kept in
/// a fixed order (largest unit first), so two durations are equal when they name the same amounts of the same units.
/// </summary>
public sealed class Duration : IEquatable<Duration>
{
    private readonly DurationPart[] parts;

    /// <summary>What <see cref="Parse"/> accepts, for error messages.</summary>
    public const string Expected = DurationParser.Expected;

    /// <summary><paramref name="count"/> of one unit, e.g. <c>new Duration(1, DurationUnit.Day)</c>.</summary>
    public Duration(int count, DurationUnit unit) : this([new DurationPart(count, unit)])
    {
    }

    /// <summary>A duration of several parts, each unit at most once; the order they are given in does not matter.</summary>
    /// <exception cref="ArgumentException">when there are no parts, a unit repeats or an amount is negative.</exception>
    public Duration(IEnumerable<DurationPart> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        this.parts = [.. parts.OrderBy(p => Rank(p.Unit)).Select(p => p with { Amount = Normalise(p.Amount) })];
        if (this.parts.Length == 0)
        {
            throw new ArgumentException("a duration has at least one part", nameof(parts));
        }
        for (var i = 0; i < this.parts.Length; i++)
        {
            if (this.parts[i].Amount < 0)
            {
                throw new ArgumentException($"negative amount in {this.parts[i]}", nameof(parts));
            }
            if (i > 0 && this.parts[i].Unit == this.parts[i - 1].Unit)
            {
                throw new ArgumentException($"{this.parts[i].Unit} given twice", nameof(parts));
            }
        }
        if (!IsWhole(Amount(DurationUnit.Month)) || !IsWhole(Amount(DurationUnit.Year) + 10 * Amount(DurationUnit.Decade)))
        {
            throw new ArgumentException("months, and years with decades, must be whole numbers", nameof(parts));
        }
    }

    /// <summary>The parts, largest unit first.</summary>
    public IReadOnlyList<DurationPart> Parts => Array.AsReadOnly(parts);

    /// <summary>Parses the forms <see cref="DurationParser"/> describes.</summary>
    /// <exception cref="FormatException">naming the value, why it is refused and what is accepted.</exception>
    public static Duration Parse(string text) =>
        DurationParser.TryParse(text, out var duration, out var error)
            ? duration
            : throw new FormatException($"'{text}': {error}");

    /// <summary>Like <see cref="Parse"/> without throwing.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out Duration? duration) =>
        DurationParser.TryParse(text, out duration, out _);

    /// <summary>Like <see cref="Parse"/>; on failure <paramref name="error"/> says why and what is accepted.</summary>
    public static bool TryParse(
        [NotNullWhen(true)] string? text, [NotNullWhen(true)] out Duration? duration, [NotNullWhen(false)] out string? error) =>
        DurationParser.TryParse(text, out duration, out error);

    /// <summary>
    /// The cut-off this duration before <paramref name="now"/>, computed as the original did: dateparser takes now as
    /// an aware local datetime and subtracts a <c>relativedelta</c>, which is arithmetic on the wall clock of
    /// <paramref name="zone"/>: first whole calendar months (years and decades count 12 and 120; the day is clamped to
    /// the end of a shorter month), then the fixed part (weeks, days, hours, minutes, seconds, fractions included)
    /// rounded to whole microseconds. The resulting wall-clock time is read back as an instant by
    /// <see cref="WallClock.Resolve"/> (<c>fold=0</c>). So <c>2 months</c> before 2026-04-15 12:00 in Europe/Berlin
    /// is 2026-02-15 12:00 local (11:00 UTC), and <c>1 day</c> before a clock change is the same time of day,
    /// 23 or 25 real hours earlier.
    /// </summary>
    /// <remarks>
    /// Clamped to <see cref="DateTimeOffset.MinValue"/> when the result would be before the year 1 (the original
    /// refused such values or read them as something else; here they mean "since ever").
    /// </remarks>
    public DateTimeOffset Before(DateTimeOffset now, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        try
        {
            var wall = WallClock.Of(now, zone);
            var months = CalendarMonths();
            if (months != 0)
            {
                if (months > 12 * 10000)
                {
                    return DateTimeOffset.MinValue;
                }
                wall = wall.AddMonths(-(int)months);
            }
            var ticks = FixedTicks();
            if (ticks > wall.Ticks)
            {
                return DateTimeOffset.MinValue;
            }
            return WallClock.Resolve(wall.AddTicks(-(long)ticks), zone);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or OverflowException)
        {
            return DateTimeOffset.MinValue;
        }
    }

    /// <summary>
    /// The last whole second at which <paramref name="time"/> still lies within this span back from then, that is the
    /// latest T with <c>Before(T) &lt;= time</c>: until when a backup taken at <paramref name="time"/> stays in a tier
    /// of this span, or younger than <c>decay</c> (a second later it is out). Found by search, not by adding the span
    /// forwards, so it is exactly where <see cref="Before"/> (months clamped to the month's end, daylight-saving gaps
    /// and folds) says so. Null when that is beyond the year 9999.
    /// </summary>
    public DateTimeOffset? Expiry(DateTimeOffset time, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        // Before(T) grows with T (but see the clock change below): double a step until it passes, then halve down to the second.
        var low = new DateTimeOffset(time.UtcTicks - time.UtcTicks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
        var step = TimeSpan.FromHours(1);
        var high = low + step;
        while (Before(high, zone) <= time)
        {
            low = high;
            step *= 2;
            if (DateTimeOffset.MaxValue - high <= step + TimeSpan.FromDays(400))
            {
                return null;
            }
            high += step;
        }
        low = LastWithin(low, high, time, zone);
        // Around a clock change Before is not monotonic: in the repeated hour a backup that was already out of the span
        // comes back in for up to an hour. The search above may then have found the later edge; the first is the
        // moment that counts (prune deletes the backup then). Only near a change of offset: look back over the three
        // hours before, in five-minute steps, for an earlier moment it was out.
        var window = TimeSpan.FromHours(3);
        if (zone.GetUtcOffset(low - window) != zone.GetUtcOffset(low + TimeSpan.FromHours(1))
            || zone.GetUtcOffset(time - window) != zone.GetUtcOffset(time + window))
        {
            var scan = TimeSpan.FromMinutes(5);
            var start = low - window < time ? time : low - window;
            for (var t = start; t < low; t += scan)
            {
                if (Before(t, zone) > time)
                {
                    return LastWithin(t - scan < start ? start : t - scan, t, time, zone);
                }
            }
        }
        return low;
    }

    /// <summary>Halves [<paramref name="low"/>, <paramref name="high"/>] (within at low, out at high) down to the last whole second within.</summary>
    private DateTimeOffset LastWithin(DateTimeOffset low, DateTimeOffset high, DateTimeOffset time, TimeZoneInfo zone)
    {
        while (high - low > TimeSpan.FromSeconds(1))
        {
            var middle = low + TimeSpan.FromSeconds(Math.Floor((high - low).TotalSeconds / 2));
            if (Before(middle, zone) > time)
            {
                high = middle;
            }
            else
            {
                low = middle;
            }
        }
        return low;
    }

    /// <summary>The calendar part in months: months + 12 × years + 120 × decades.</summary>
    private decimal CalendarMonths() =>
        parts.Sum(p => p.Unit switch
        {
            DurationUnit.Month => p.Amount,
            DurationUnit.Year => 12 * p.Amount,
            DurationUnit.Decade => 120 * p.Amount,
            _ => 0m,
        });

    /// <summary>
    /// The fixed part in ticks, rounded to whole microseconds as Python's <c>timedelta</c> does (half to even).
    /// </summary>
    private decimal FixedTicks()
    {
        var ticks = parts.Sum(p => p.Amount * p.Unit switch
        {
            DurationUnit.Second => TimeSpan.TicksPerSecond,
            DurationUnit.Minute => TimeSpan.TicksPerMinute,
            DurationUnit.Hour => TimeSpan.TicksPerHour,
            DurationUnit.Day => TimeSpan.TicksPerDay,
            DurationUnit.Week => 7 * TimeSpan.TicksPerDay,
            _ => 0m,
        });
        return decimal.Round(ticks / TimeSpan.TicksPerMicrosecond, MidpointRounding.ToEven) * TimeSpan.TicksPerMicrosecond;
    }

    /// <summary>The parts in words, largest first: <c>1 day</c>, <c>1 day 12 hours</c>, <c>1.5 days</c>.</summary>
    public override string ToString() => string.Join(' ', parts);

    public bool Equals(Duration? other) => other is not null && parts.AsSpan().SequenceEqual(other.parts);

    public override bool Equals(object? obj) => Equals(obj as Duration);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var part in parts)
        {
            hash.Add(part);
        }
        return hash.ToHashCode();
    }

    public static bool operator ==(Duration? left, Duration? right) => left?.Equals(right) ?? right is null;

    public static bool operator !=(Duration? left, Duration? right) => !(left == right);

    private decimal Amount(DurationUnit unit) => parts.FirstOrDefault(p => p.Unit == unit).Amount;

    private static bool IsWhole(decimal amount) => amount == decimal.Truncate(amount);

    /// <summary>Largest unit first.</summary>
    private static int Rank(DurationUnit unit) => unit switch
    {
        DurationUnit.Decade => 0,
        DurationUnit.Year => 1,
        DurationUnit.Month => 2,
        DurationUnit.Week => 3,
        DurationUnit.Day => 4,
        DurationUnit.Hour => 5,
        DurationUnit.Minute => 6,
        DurationUnit.Second => 7,
        _ => throw new ArgumentOutOfRangeException(nameof(unit), unit, null),
    };

    /// <summary>Drops trailing zeros (1.50 → 1.5), so equal amounts are equal parts and print alike.</summary>
    private static decimal Normalise(decimal amount) => amount / 1.0000000000000000000000000000m;
}
