using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace SnapshotBackup.Daemon.Scheduling;

/// <summary>
/// Parses the <c>schedule</c> configuration value: <c>hourly</c>, <c>daily</c>, <c>weekly</c>, <c>every N minutes|hours|days</c>,
/// a 5-field Unix cron expression (converted to Quartz), a 6/7-field Quartz cron expression, or <c>on-mount</c>.
/// </summary>
internal static partial class ScheduleParser
{
    public const string AcceptedForms =
        "Accepted: 'hourly', 'daily', 'weekly', 'every N minutes|hours|days' (N >= 1), "
        + "a 5-field Unix cron expression such as '*/15 9-17 * * 1-5', "
        + "a 6/7-field Quartz cron expression such as '0 */5 * * * ?', "
        + "or 'on-mount' (when the backups disk appears, at most once per min_interval).";

    private static readonly string[] MonthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
    private static readonly string[] DayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

    /// <param name="text">The value.</param>
    /// <param name="timeZone">The time zone of cron expressions (default local).</param>
    /// <param name="minInterval">The section's <c>min_interval</c>, for <c>on-mount</c> (default 1 hour).</param>
    /// <exception cref="FormatException">The value is not an accepted schedule; the message lists the accepted forms.</exception>
    public static BackupSchedule Parse(string text, TimeZoneInfo? timeZone = null, TimeSpan? minInterval = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var value = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        switch (value.ToLowerInvariant())
        {
            case "":
                throw Error("The schedule is empty.");
            case "hourly":
                return BackupSchedule.Cron("0 0 * * * ?", "hourly (cron 0 0 * * * ?)", timeZone);
            case "daily":
                return BackupSchedule.Cron("0 0 0 * * ?", "daily (cron 0 0 0 * * ?)", timeZone);
            case "weekly":
                return BackupSchedule.Cron("0 0 0 ? * MON", "weekly (cron 0 0 0 ? * MON)", timeZone);
            case "on-mount":
                return BackupSchedule.WhenMounted(minInterval ?? TimeSpan.FromHours(1));
        }

        if (value.StartsWith("every", StringComparison.OrdinalIgnoreCase))
        {
            return ParseInterval(value);
        }

        var fields = value.Split(' ');
        switch (fields.Length)
        {
            case 5:
                var quartz = ConvertUnixCron(value);
                return BackupSchedule.Cron(quartz, $"cron {value} (Quartz {quartz})", timeZone);
            case 6 or 7:
                try
                {
                    return BackupSchedule.Cron(value.ToUpperInvariant(), timeZone: timeZone);
                }
                catch (FormatException ex)
                {
                    throw Error($"Invalid Quartz cron expression '{value}': {ex.Message}");
                }

            case 1:
                throw Error($"Unrecognised schedule '{value}'.");
            default:
                throw Error($"Unrecognised schedule '{value}': a cron expression needs 5 (Unix) or 6-7 (Quartz) fields, not {fields.Length}.");
        }
    }

    /// <summary>
    /// Converts a 5-field Unix cron expression (minute hour day-of-month month day-of-week) to a Quartz one:
    /// seconds <c>0</c>, <c>?</c> in the unrestricted day field, numeric days of week 0-7 (0 and 7 = Sunday) mapped to Quartz 1-7 (1 = Sunday).
    /// </summary>
    /// <exception cref="FormatException">Invalid syntax or values, or both day fields restricted (Unix ORs them; Quartz cannot).</exception>
    public static string ConvertUnixCron(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var fields = expression.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 5)
        {
            throw Error($"A Unix cron expression has 5 fields (minute hour day-of-month month day-of-week), '{expression}' has {fields.Length}.");
        }

        try
        {
            var minute = Validate(fields[0], "minute", 0, 59, null);
            var hour = Validate(fields[1], "hour", 0, 23, null);
            var dayOfMonth = Validate(fields[2], "day-of-month", 1, 31, null);
            var month = Validate(fields[3], "month", 1, 12, MonthNames);
            var dayOfWeek = fields[4].ToUpperInvariant();
            var days = Expand(dayOfWeek, "day-of-week", 0, 7, DayNames);

            if (dayOfMonth != "*" && dayOfWeek != "*")
            {
                throw new FormatException(
                    $"both day-of-month ('{dayOfMonth}') and day-of-week ('{dayOfWeek}') are restricted; Unix cron then runs on days matching "
                    + "either, which Quartz cannot express. Use '*' for one of them.");
            }

            string quartzDayOfMonth, quartzDayOfWeek;
            if (dayOfWeek == "*")
            {
                (quartzDayOfMonth, quartzDayOfWeek) = (dayOfMonth, "?");
            }
            else
            {
                // Names only (MON, MON-FRI, SAT,SUN) mean the same in Quartz; anything numeric or stepped is expanded and remapped.
                var namesOnly = !dayOfWeek.Any(char.IsAsciiDigit) && !dayOfWeek.Contains('/', StringComparison.Ordinal);
                (quartzDayOfMonth, quartzDayOfWeek) = ("?", namesOnly ? dayOfWeek : ToQuartzDays(days));
            }

            var quartz = $"0 {minute} {hour} {quartzDayOfMonth} {month} {quartzDayOfWeek}";
            if (!Quartz.CronExpression.TryParse(quartz, out _))
            {
                throw new FormatException($"it converts to '{quartz}', which Quartz rejects.");
            }

            return quartz;
        }
        catch (FormatException ex)
        {
            throw Error($"Invalid cron expression '{expression}': {ex.Message}");
        }
    }

    private static FormatException Error(string detail) => new($"{detail} {AcceptedForms}");

    private static BackupSchedule ParseInterval(string value)
    {
        var match = IntervalPattern().Match(value);
        if (!match.Success)
        {
            throw Error($"Unrecognised schedule '{value}': expected 'every N minutes', 'every N hours' or 'every N days'.");
        }

        if (!int.TryParse(match.Groups["n"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1)
        {
            throw Error($"Invalid schedule '{value}': the interval count must be a whole number of at least 1.");
        }

        var unit = match.Groups["unit"].Value.ToLowerInvariant().TrimEnd('s');
        TimeSpan interval;
        try
        {
            interval = unit switch
            {
                "minute" => TimeSpan.FromMinutes(n),
                "hour" => TimeSpan.FromHours(n),
                _ => TimeSpan.FromDays(n),
            };
        }
        catch (Exception ex) when (ex is OverflowException or ArgumentOutOfRangeException)
        {
            throw Error($"Invalid schedule '{value}': the interval is too long.");
        }

        var description = n == 1 ? $"every {unit}" : string.Create(CultureInfo.InvariantCulture, $"every {n} {unit}s");
        return BackupSchedule.Every(interval, description);
    }

    /// <summary>Checks a non-day-of-week field and returns it (upper-cased) for Quartz, whose syntax for it is the same.</summary>
    private static string Validate(string field, string name, int min, int max, string[]? names)
    {
        _ = Expand(field, name, min, max, names);
        return field.ToUpperInvariant();
    }

    /// <summary>Expands a Unix cron field (lists of <c>*</c>, <c>v</c>, <c>a-b</c>, each optionally <c>/step</c>) into its values.</summary>
    private static SortedSet<int> Expand(string field, string name, int min, int max, string[]? names)
    {
        var values = new SortedSet<int>();
        foreach (var item in field.ToUpperInvariant().Split(','))
        {
            var slash = item.IndexOf('/', StringComparison.Ordinal);
            var range = slash < 0 ? item : item[..slash];
            var step = 1;
            if (slash >= 0 && (!int.TryParse(item[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out step) || step < 1))
            {
                throw new FormatException($"{name} step in '{item}' must be a whole number of at least 1.");
            }

            int low, high;
            if (range == "*")
            {
                (low, high) = (min, max);
            }
            else
            {
                var dash = range.IndexOf('-', StringComparison.Ordinal);
                low = Value(dash < 0 ? range : range[..dash], name, min, max, names);
                high = dash < 0 ? (slash < 0 ? low : max) : Value(range[(dash + 1)..], name, min, max, names);
                if (high < low)
                {
                    throw new FormatException($"{name} range '{range}' runs backwards.");
                }
            }

            for (var v = low; v <= high; v += step)
            {
                values.Add(v);
            }
        }

        return values;
    }

    private static int Value(string text, string name, int min, int max, string[]? names)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return number >= min && number <= max
                ? number
                : throw new FormatException($"{name} value {number} is out of range {min}-{max}.");
        }

        var index = names is null ? -1 : Array.IndexOf(names, text);
        return index >= 0
            ? index + (names == MonthNames ? 1 : 0)
            : throw new FormatException($"'{text}' is not a valid {name} value.");
    }

    /// <summary>Unix days (0-7, 0 and 7 = Sunday) → Quartz list (1-7, 1 = Sunday) with consecutive runs as ranges.</summary>
    private static string ToQuartzDays(SortedSet<int> unixDays)
    {
        var quartzDays = unixDays.Select(d => (d % 7) + 1).Distinct().Order().ToList();
        var builder = new StringBuilder();
        for (var i = 0; i < quartzDays.Count;)
        {
            var j = i;
            while (j + 1 < quartzDays.Count && quartzDays[j + 1] == quartzDays[j] + 1)
            {
                j++;
            }

            if (builder.Length > 0)
            {
                builder.Append(',');
            }

            builder.Append(quartzDays[i].ToString(CultureInfo.InvariantCulture));
            if (j > i)
            {
                builder.Append('-').Append(quartzDays[j].ToString(CultureInfo.InvariantCulture));
            }

            i = j + 1;
        }

        return builder.ToString();
    }

    [GeneratedRegex(@"^every (?<n>\d+) (?<unit>minutes?|hours?|days?)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex IntervalPattern();
}
