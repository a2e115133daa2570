using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.RegularExpressions;

namespace SnapshotBackup.Core.Time;

/// <summary>
/// Reads a duration the way the original snapshotbackup 0.0.16 did, which handed the value to
/// <c>dateparser.parse(value, settings={'RETURN_AS_TIMEZONE_AWARE': True})</c> and used the datetime it returned as
/// the cut-off; only the values for which that is a fixed span back from now are accepted.
/// </summary>
/// <remarks>
/// <para>Sources (dateparser 1.1.6, the version Debian 12 ships as python3-dateparser, checked against it):
/// <c>dateparser/data/date_translation_data/en.py</c> (scrapinghub/dateparser) gives the English unit words
/// (<c>year: year yr y years</c>, <c>month: mo month months</c>, <c>week: week wk weeks</c>, <c>day: day d days</c>,
/// <c>hour: hour hr h hours hrs</c>, <c>minute: min minute m minutes mins</c>, <c>second: sec second s seconds secs</c>,
/// <c>decade: decade decades</c>), <c>ago: ago before</c>, the simplifications <c>a</c>/<c>an</c> → 1 and
/// <c>one</c>…<c>twelve</c> → 1…12, and the relative-type phrases (<c>yesterday</c> = 1 day ago, <c>last week</c> =
/// 1 week ago, <c>today</c> = 0 days ago, …). <c>w</c> is not English there: dateparser reads <c>2w</c> as two weeks
/// through its German data (<c>de.py</c>: <c>week: w woche wochen</c>), so <c>w</c> is accepted too.
/// <c>dateparser/freshness_date_parser.py</c> turns <c>N unit</c> parts (digits with an optional decimal point,
/// any number of parts, in any order) into <c>now - relativedelta(**{unit+'s': float(N)})</c>, decades as 10 years;
/// <c>relativedelta</c> refuses fractional months and years, so <c>0.3 months</c> has no meaning and is refused.</para>
/// <para>Refused, with a reason: anything in the future (<c>in 2 days</c>, <c>tomorrow</c>, <c>next week</c>, <c>3 days
/// later</c>), dates and weekdays (<c>march</c>, <c>next friday</c>, <c>3 mon</c>, which dateparser reads as a Monday),
/// clock times (<c>1h30</c>, which dateparser reads as 01:30 today), signs (dateparser 1.1.6 drops them, newer
/// versions read <c>+1 day</c> as tomorrow), decimal commas (<c>1,5 days</c>: 5 days in 1.1.6, 1.5 days in newer
/// versions), a unit given twice, a number without a unit, spans beyond 10000 years, and everything else. Separators
/// between parts: spaces, a comma or <c>and</c>, or none (<c>1d12h</c>); quotes around the whole value are removed.</para>
/// </remarks>
public static partial class DurationParser
{
    /// <summary>What is accepted, for error messages.</summary>
    public const string Expected =
        "expected a span back from now: a number and a unit, e.g. '1 day', '2w', '3 months', '1.5 days', 'a week', " +
        "or several ('1 day 12 hours'), optionally followed by 'ago', or 'yesterday'; units: s/sec/second, m/min/minute, " +
        "h/hr/hour, d/day, w/wk/week, mo/month, y/yr/year, decade (months, years and decades in whole numbers)";

    /// <summary>The longest span accepted: beyond it there is no cut-off to compute anyway.</summary>
    private const int MaxYears = 10000;

    private static readonly Dictionary<string, DurationUnit> Units = new(StringComparer.Ordinal)
    {
        ["s"] = DurationUnit.Second, ["sec"] = DurationUnit.Second, ["secs"] = DurationUnit.Second,
        ["second"] = DurationUnit.Second, ["seconds"] = DurationUnit.Second,
        ["m"] = DurationUnit.Minute, ["min"] = DurationUnit.Minute, ["mins"] = DurationUnit.Minute,
        ["minute"] = DurationUnit.Minute, ["minutes"] = DurationUnit.Minute,
        ["h"] = DurationUnit.Hour, ["hr"] = DurationUnit.Hour, ["hrs"] = DurationUnit.Hour,
        ["hour"] = DurationUnit.Hour, ["hours"] = DurationUnit.Hour,
        ["d"] = DurationUnit.Day, ["day"] = DurationUnit.Day, ["days"] = DurationUnit.Day,
        ["w"] = DurationUnit.Week, ["wk"] = DurationUnit.Week, ["week"] = DurationUnit.Week, ["weeks"] = DurationUnit.Week,
        ["mo"] = DurationUnit.Month, ["month"] = DurationUnit.Month, ["months"] = DurationUnit.Month,
        ["y"] = DurationUnit.Year, ["yr"] = DurationUnit.Year, ["year"] = DurationUnit.Year, ["years"] = DurationUnit.Year,
        ["decade"] = DurationUnit.Decade, ["decades"] = DurationUnit.Decade,
    };

    /// <summary>Abbreviations people may expect that dateparser 1.1.6 does not read as that unit in English.</summary>
    private static readonly Dictionary<string, string> NotUnits = new(StringComparer.Ordinal)
    {
        ["mon"] = "'mon' is a Monday to dateparser; write 'mo' or 'months'",
        ["mons"] = "'mons' is not a unit dateparser knows; write 'mo' or 'months'",
        ["mos"] = "'mos' is not a unit dateparser knows; write 'mo' or 'months'",
        ["mth"] = "'mth' is not a unit dateparser knows; write 'mo' or 'months'",
        ["wks"] = "'wks' is not a unit dateparser knows; write 'wk' or 'weeks'",
        ["yrs"] = "'yrs' is not a unit dateparser knows; write 'yr' or 'years'",
    };

    /// <summary>dateparser's simplifications: these words are numbers.</summary>
    private static readonly Dictionary<string, int> WordNumbers = new(StringComparer.Ordinal)
    {
        ["a"] = 1, ["an"] = 1, ["one"] = 1, ["two"] = 2, ["three"] = 3, ["four"] = 4, ["five"] = 5, ["six"] = 6,
        ["seven"] = 7, ["eight"] = 8, ["nine"] = 9, ["ten"] = 10, ["eleven"] = 11, ["twelve"] = 12,
    };

    /// <summary>en.py's relative-type phrases that point back from now (or at now).</summary>
    private static readonly Dictionary<string, DurationPart> Phrases = new(StringComparer.Ordinal)
    {
        ["now"] = new(0, DurationUnit.Second),
        ["this minute"] = new(0, DurationUnit.Minute),
        ["this hour"] = new(0, DurationUnit.Hour),
        ["today"] = new(0, DurationUnit.Day),
        ["till date"] = new(0, DurationUnit.Day),
        ["this week"] = new(0, DurationUnit.Week),
        ["this wk"] = new(0, DurationUnit.Week),
        ["this month"] = new(0, DurationUnit.Month),
        ["this mo"] = new(0, DurationUnit.Month),
        ["this year"] = new(0, DurationUnit.Year),
        ["this yr"] = new(0, DurationUnit.Year),
        ["yesterday"] = new(1, DurationUnit.Day),
        ["day before yesterday"] = new(2, DurationUnit.Day),
        ["last week"] = new(1, DurationUnit.Week),
        ["last wk"] = new(1, DurationUnit.Week),
        ["last month"] = new(1, DurationUnit.Month),
        ["last mo"] = new(1, DurationUnit.Month),
        ["last year"] = new(1, DurationUnit.Year),
        ["last yr"] = new(1, DurationUnit.Year),
        // en.py maps both to "1 decade ago".
        ["last decade"] = new(1, DurationUnit.Decade),
        ["this decade"] = new(1, DurationUnit.Decade),
    };

    /// <summary>Parses <paramref name="text"/>; on failure <paramref name="error"/> says why and what is accepted.</summary>
    public static bool TryParse(
        [NotNullWhen(true)] string? text, [NotNullWhen(true)] out Duration? duration, [NotNullWhen(false)] out string? error)
    {
        duration = null;
        var reason = text is null ? "no value" : Read(text, out duration);
        if (reason is null && duration is not null)
        {
            error = null;
            return true;
        }
        error = $"{reason}; {Expected}";
        return false;
    }

    /// <summary>The reason <paramref name="text"/> is refused, or null with <paramref name="duration"/> set.</summary>
    private static string? Read(string text, out Duration? duration)
    {
        duration = null;
        var s = Unquote(text.Trim()).Trim();
        if (s.Length == 0)
        {
            return "empty";
        }
        s = Whitespace().Replace(s.ToLowerInvariant(), " ");
        if (Phrases.TryGetValue(s, out var phrase))
        {
            duration = new Duration([phrase]);
            return null;
        }
        if (Future().IsMatch(s))
        {
            return "a time in the future, not a span back from now";
        }
        if (Signed().IsMatch(s))
        {
            return "a number with a sign; write the span without one";
        }
        if (DecimalComma().IsMatch(s))
        {
            return "a decimal comma; write a decimal point ('1.5 days')";
        }
        if (ClockTime().IsMatch(s))
        {
            return "a clock time to dateparser ('1h30' is 01:30); write '1h 30m' or '1 hour 30 minutes'";
        }

        var parts = new List<DurationPart>();
        var pos = 0;
        while (pos < s.Length)
        {
            if (parts.Count > 0)
            {
                if (s[pos..] is " ago" or " before")
                {
                    break;
                }
                pos += Separator().Match(s, pos).Length;
                if (pos == s.Length)
                {
                    return "ends with a separator";
                }
            }
            var number = Number().Match(s, pos);
            if (!number.Success)
            {
                return s[pos] == '.' ? "a number needs a digit before its decimal point"
                    : Word().Match(s, pos) is { Success: true } word && !WordNumbers.ContainsKey(word.Value) && !Units.ContainsKey(word.Value)
                        ? $"'{word.Value}' is neither a number nor a unit"
                        : $"expected a number at '{s[pos..]}'";
            }
            var amount = number.Groups["digits"].Success
                ? decimal.TryParse(number.Groups["digits"].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
                    ? value
                    : (decimal?)null
                : WordNumbers[number.Groups["word"].Value];
            if (amount is not { } a)
            {
                return "a number too large";
            }
            pos += number.Length;
            var unitMatch = Unit().Match(s, pos);
            if (!unitMatch.Success)
            {
                return $"'{number.Value.Trim()}' has no unit";
            }
            var unitWord = unitMatch.Groups["unit"].Value;
            if (!Units.TryGetValue(unitWord, out var unit))
            {
                return NotUnits.TryGetValue(unitWord, out var hint) ? hint : $"'{unitWord}' is not a unit";
            }
            if (parts.Any(p => p.Unit == unit))
            {
                return $"{unit.ToString().ToLowerInvariant()}s given twice";
            }
            parts.Add(new DurationPart(a, unit));
            pos += unitMatch.Length;
        }
        return Build(parts, out duration);
    }

    private static string? Build(List<DurationPart> parts, out Duration? duration)
    {
        duration = null;
        decimal Sum(DurationUnit unit, decimal factor) => parts.Where(p => p.Unit == unit).Sum(p => p.Amount) * factor;
        try
        {
            var months = Sum(DurationUnit.Month, 1);
            var years = Sum(DurationUnit.Year, 1) + Sum(DurationUnit.Decade, 10);
            if (months != decimal.Truncate(months))
            {
                return "months must be whole numbers (dateparser refuses e.g. '0.3 months')";
            }
            if (years != decimal.Truncate(years))
            {
                return "years (and decades as 10 years) must be whole numbers (dateparser refuses e.g. '1.5 years')";
            }
            var days = Sum(DurationUnit.Day, 1) + Sum(DurationUnit.Week, 7) + Sum(DurationUnit.Hour, 1m / 24)
                       + Sum(DurationUnit.Minute, 1m / (24 * 60)) + Sum(DurationUnit.Second, 1m / (24 * 3600));
            if (months + 12 * years > 12m * MaxYears || days > 366m * MaxYears)
            {
                return $"longer than {MaxYears} years";
            }
        }
        catch (OverflowException)
        {
            return $"longer than {MaxYears} years";
        }
        duration = new Duration(parts);
        return null;
    }

    private static string Unquote(string s) =>
        s.Length >= 2 && (s[0] == '\'' || s[0] == '"') && s[^1] == s[0] ? s[1..^1] : s;

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"\b(?:in|after|later|from now|tomorrow|next|hence)\b", RegexOptions.CultureInvariant)]
    private static partial Regex Future();

    [GeneratedRegex(@"[+-]\s*[0-9]", RegexOptions.CultureInvariant)]
    private static partial Regex Signed();

    [GeneratedRegex(@"[0-9],[0-9]", RegexOptions.CultureInvariant)]
    private static partial Regex DecimalComma();

    [GeneratedRegex(@"[0-9]h[0-9]", RegexOptions.CultureInvariant)]
    private static partial Regex ClockTime();

    /// <summary>Between parts: a comma or 'and' with optional spaces, or spaces, or nothing ('1d12h').</summary>
    [GeneratedRegex(@"\G(?:\s*,\s*|\s+and\s+|\s*)", RegexOptions.CultureInvariant)]
    private static partial Regex Separator();

    /// <summary>Digits with an optional decimal point ('1', '1.5', '1.'), or a number word followed by a space.</summary>
    [GeneratedRegex(@"\G(?:(?<digits>[0-9]+(?:\.[0-9]*)?)\s*|(?<word>an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s+)",
        RegexOptions.CultureInvariant)]
    private static partial Regex Number();

    /// <summary>A unit word, ending where the letters end (a digit may follow: '1d12h').</summary>
    [GeneratedRegex(@"\G(?<unit>[a-z]+)(?![a-z])", RegexOptions.CultureInvariant)]
    private static partial Regex Unit();

    [GeneratedRegex(@"\G[a-z]+", RegexOptions.CultureInvariant)]
    private static partial Regex Word();
}
