using System.Globalization;
using System.Text;
using SnapshotBackup.Core.Time;

namespace SnapshotBackup.Tests.Unit;

/// <summary>
/// Random durations of one to four units, each written the way a person might (any unit word dateparser knows, glued
/// to the number or not, separated by spaces, commas or "and", in any order and case, with "ago" and quotes or not),
/// and random instants, many of them close to daylight-saving changes so that cut-offs fall into skipped and repeated
/// hours.
/// </summary>
/// <param name="seed">The seed of the random choices.</param>
/// <param name="dateparserReadable">Without 'w' for weeks: dateparser reads it only through its German data, so only
/// alone ('2w', '2w 1d'), never next to English words such as 'ago', 'and' or 'hours'; here it is read everywhere.</param>
internal sealed class DurationGenerator(int seed, bool dateparserReadable = false)
{
    private static readonly Dictionary<DurationUnit, string[]> Words = new()
    {
        [DurationUnit.Second] = ["s", "sec", "secs", "second", "seconds"],
        [DurationUnit.Minute] = ["m", "min", "mins", "minute", "minutes"],
        [DurationUnit.Hour] = ["h", "hr", "hrs", "hour", "hours"],
        [DurationUnit.Day] = ["d", "day", "days"],
        [DurationUnit.Week] = ["w", "wk", "week", "weeks"],
        [DurationUnit.Month] = ["mo", "month", "months"],
        [DurationUnit.Year] = ["y", "yr", "year", "years"],
        [DurationUnit.Decade] = ["decade", "decades"],
    };

    private static readonly string[] NumberWords = ["", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"];

    private readonly Random random = new(seed);

    /// <summary>A duration and a way of writing it.</summary>
    public (Duration Duration, string Text) Next()
    {
        var units = Words.Keys.OrderBy(_ => random.Next()).Take(1 + random.Next(random.Next(4) == 0 ? 4 : 2)).ToList();
        var parts = units.Select(u => new DurationPart(Amount(u), u)).ToList();
        var text = new StringBuilder();
        for (var i = 0; i < parts.Count; i++)
        {
            if (i > 0)
            {
                text.Append(random.Next(6) switch { 0 => ", ", 1 => " and ", 2 => ",", _ => " " });
            }
            text.Append(Write(parts[i]));
        }
        if (random.Next(3) == 0)
        {
            text.Append(random.Next(4) == 0 ? " before" : " ago");
        }
        var written = random.Next(3) switch
        {
            0 => text.ToString().ToUpperInvariant(),
            1 => text.ToString(),
            _ => string.Concat(text.ToString().Select(c => random.Next(2) == 0 ? char.ToUpperInvariant(c) : c)),
        };
        if (random.Next(5) == 0)
        {
            written = random.Next(2) == 0 ? $"'{written}'" : $"\"{written}\"";
        }
        return (new Duration(parts), written);
    }

    private decimal Amount(DurationUnit unit)
    {
        var calendar = unit is DurationUnit.Month or DurationUnit.Year or DurationUnit.Decade;
        var whole = unit switch
        {
            DurationUnit.Decade => random.Next(4),
            DurationUnit.Year => random.Next(random.Next(3) == 0 ? 30 : 4),
            DurationUnit.Month => random.Next(random.Next(3) == 0 ? 40 : 13),
            DurationUnit.Week => random.Next(60),
            DurationUnit.Day => random.Next(random.Next(3) == 0 ? 800 : 40),
            DurationUnit.Hour => random.Next(random.Next(3) == 0 ? 2000 : 48),
            DurationUnit.Minute => random.Next(random.Next(3) == 0 ? 20000 : 120),
            _ => random.Next(random.Next(3) == 0 ? 200000 : 120),
        };
        if (calendar || random.Next(3) != 0)
        {
            return whole;
        }
        // A fraction with up to three decimals (1.5 days, 0.25 minutes, 1.333 seconds).
        var decimals = 1 + random.Next(3);
        return whole + random.Next((int)Math.Pow(10, decimals)) / (decimal)Math.Pow(10, decimals);
    }

    private string Write(DurationPart part)
    {
        var words = Words[part.Unit].Where(w => !dateparserReadable || w != "w").ToArray();
        var unit = words[random.Next(words.Length)];
        if (part.Amount == 1 && random.Next(3) == 0)
        {
            // dateparser reads both articles as 1 whatever follows.
            return $"{(random.Next(2) == 0 ? "a" : "an")} {unit}";
        }
        if (part.Amount is >= 1 and <= 12 && part.Amount == decimal.Truncate(part.Amount) && random.Next(4) == 0)
        {
            return $"{NumberWords[(int)part.Amount]} {unit}";
        }
        var number = part.Amount.ToString(random.Next(5) == 0 ? "0.0##" : "0.###", CultureInfo.InvariantCulture);
        var glued = random.Next(3) == 0 && char.IsDigit(number[^1]);
        return glued ? $"{number}{unit}" : $"{number} {unit}";
    }

    /// <summary>
    /// An instant in 2021–2029, or one whose wall-clock time is <paramref name="duration"/> after a time in (or near) a
    /// skipped or repeated hour of <paramref name="zone"/>, so that the cut-off lands there.
    /// </summary>
    public DateTimeOffset Now(TimeZoneInfo zone, Duration duration, IReadOnlyList<DateTime> changes)
    {
        if (changes.Count == 0 || random.Next(3) == 0)
        {
            var start = new DateTimeOffset(2021, 1, 1, 0, 0, 0, TimeSpan.Zero);
            return start.AddSeconds(random.NextInt64(9L * 365 * 24 * 3600));
        }
        var wall = changes[random.Next(changes.Count)].AddMinutes(random.Next(-90, 150));
        foreach (var part in duration.Parts)
        {
            wall = part.Unit switch
            {
                DurationUnit.Decade => wall.AddYears(10 * (int)part.Amount),
                DurationUnit.Year => wall.AddYears((int)part.Amount),
                DurationUnit.Month => wall.AddMonths((int)part.Amount),
                _ => wall,
            };
        }
        wall = wall.AddTicks((long)Math.Round(Naive.FixedMicroseconds(duration) * TimeSpan.TicksPerMicrosecond));
        // Any instant showing (about) that wall-clock time will do.
        return new DateTimeOffset(DateTime.SpecifyKind(wall, DateTimeKind.Unspecified), zone.BaseUtcOffset);
    }

    /// <summary>The first wall-clock minute of every skipped or repeated stretch of <paramref name="zone"/> in 2021–2039.</summary>
    public static IReadOnlyList<DateTime> Changes(TimeZoneInfo zone)
    {
        var found = new List<DateTime>();
        var previous = false;
        for (var t = new DateTime(2021, 1, 1); t < new DateTime(2040, 1, 1); t = t.AddMinutes(30))
        {
            var odd = zone.IsInvalidTime(t) || zone.IsAmbiguousTime(t);
            if (odd && !previous)
            {
                found.Add(t);
            }
            previous = odd;
        }
        return found;
    }
}
