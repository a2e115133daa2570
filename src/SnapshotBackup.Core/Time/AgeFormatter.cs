using System.Globalization;

namespace SnapshotBackup.Core.Time;

/// <summary>Ages in words for people: <c>3 hours</c>, <c>2 days and 4 hours</c>.</summary>
/// <remarks>
/// Under a minute the age is given in seconds; otherwise the largest non-zero unit, followed by the next smaller
/// unit when that is non-zero. A year counts 365 days and a month 30 days. Negative ages (clock skew) are <c>0 seconds</c>.
/// </remarks>
public static class AgeFormatter
{
    private static readonly (string Name, long Seconds)[] Units =
    [
        ("year", 365L * 24 * 3600),
        ("month", 30L * 24 * 3600),
        ("day", 24L * 3600),
        ("hour", 3600L),
        ("minute", 60L),
        ("second", 1L),
    ];

    public static string Format(TimeSpan age)
    {
        var total = age <= TimeSpan.Zero ? 0L : age.Ticks / TimeSpan.TicksPerSecond;
        if (total < 60)
            return Plural(total, "second");

        var counts = new long[Units.Length];
        var rest = total;
        for (var i = 0; i < Units.Length; i++)
        {
            counts[i] = rest / Units[i].Seconds;
            rest %= Units[i].Seconds;
        }

        var first = Array.FindIndex(counts, c => c != 0);
        var text = Plural(counts[first], Units[first].Name);
        if (first + 1 < Units.Length && counts[first + 1] != 0)
            text += " and " + Plural(counts[first + 1], Units[first + 1].Name);
        return text;
    }

    private static string Plural(long count, string unit) =>
        count.ToString(CultureInfo.InvariantCulture) + " " + (count == 1 ? unit : unit + "s");
}
