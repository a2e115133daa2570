using System.Globalization;
using System.Text.RegularExpressions;

namespace SnapshotBackup.Core.Time;

/// <summary>A configured span such as <c>1 day</c>, <c>'2 weeks'</c> or <c>3 months ago</c>.</summary>
public readonly partial record struct Duration(int Count, DurationUnit Unit)
{
    /// <summary>What <see cref="Parse"/> accepts, for error messages.</summary>
    public const string Expected =
        "expected \"N unit\" with unit minute(s), hour(s), day(s), week(s), month(s) or year(s), optionally followed by 'ago'";

    /// <summary>Parses <c>N unit</c> (singular or plural, optional trailing <c>ago</c>, optional surrounding quotes).</summary>
    /// <exception cref="FormatException">with a message saying what is accepted.</exception>
    public static Duration Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var match = Pattern().Match(text);
        if (!match.Success
            || !int.TryParse(match.Groups["count"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
        {
            throw new FormatException($"'{text}': {Expected}");
        }
        var unit = match.Groups["unit"].Value.ToUpperInvariant() switch
        {
            "MINUTE" => DurationUnit.Minute,
            "HOUR" => DurationUnit.Hour,
            "DAY" => DurationUnit.Day,
            "WEEK" => DurationUnit.Week,
            "MONTH" => DurationUnit.Month,
            _ => DurationUnit.Year,
        };
        return new Duration(count, unit);
    }

    /// <summary>Like <see cref="Parse"/> without throwing.</summary>
    public static bool TryParse(string? text, out Duration duration)
    {
        duration = default;
        if (text is null)
        {
            return false;
        }
        try
        {
            duration = Parse(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>The instant this duration before <paramref name="now"/>, counting calendar months and years.</summary>
    /// <remarks>Clamped to <see cref="DateTimeOffset.MinValue"/> when the result would be out of range.</remarks>
    public DateTimeOffset Before(DateTimeOffset now)
    {
        try
        {
            return Unit switch
            {
                DurationUnit.Minute => now.AddMinutes(-(double)Count),
                DurationUnit.Hour => now.AddHours(-(double)Count),
                DurationUnit.Day => now.AddDays(-(double)Count),
                DurationUnit.Week => now.AddDays(-7.0 * Count),
                DurationUnit.Month => now.AddMonths(-Count),
                _ => now.AddYears(-Count),
            };
        }
        catch (ArgumentOutOfRangeException)
        {
            return DateTimeOffset.MinValue;
        }
    }

    public override string ToString()
    {
        var unit = Unit.ToString().ToLowerInvariant();
        return Count == 1
            ? string.Create(CultureInfo.InvariantCulture, $"{Count} {unit}")
            : string.Create(CultureInfo.InvariantCulture, $"{Count} {unit}s");
    }

    [GeneratedRegex("""^\s*(?<q>['"]?)\s*(?<count>[0-9]+)\s*(?<unit>minute|hour|day|week|month|year)s?(\s+ago)?\s*\k<q>\s*$""",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
