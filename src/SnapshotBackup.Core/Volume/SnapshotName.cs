using System.Globalization;

namespace SnapshotBackup.Core.Volume;

/// <summary>Backup snapshots are named by their finish time: ISO-8601 to the second with the UTC offset.</summary>
public static class SnapshotName
{
    // yyyy-MM-ddTHH:mm:ss+HH:MM
    private const int NameLength = 25;

    /// <summary>Formats e.g. <c>2026-11-24T18:07:43+01:00</c>.</summary>
    public static string Format(DateTimeOffset time) =>
        time.ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture);

    /// <summary>True only for names exactly in the format <see cref="Format"/> writes.</summary>
    public static bool TryParse(string name, out DateTimeOffset time)
    {
        time = default;
        if (name is null || name.Length != NameLength)
            return false;

        var s = name.AsSpan();
        if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[22] != ':')
            return false;
        if (s[19] != '+' && s[19] != '-')
            return false;

        if (!TryDigits(s, 0, 4, out var year) || !TryDigits(s, 5, 2, out var month) || !TryDigits(s, 8, 2, out var day)
            || !TryDigits(s, 11, 2, out var hour) || !TryDigits(s, 14, 2, out var minute) || !TryDigits(s, 17, 2, out var second)
            || !TryDigits(s, 20, 2, out var offsetHours) || !TryDigits(s, 23, 2, out var offsetMinutes))
            return false;

        if (year < 1 || month < 1 || month > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
            return false;
        if (hour > 23 || minute > 59 || second > 59 || offsetMinutes > 59)
            return false;

        var offsetTotal = offsetHours * 60 + offsetMinutes;
        if (offsetTotal > 14 * 60)
            return false;
        var offset = TimeSpan.FromMinutes(s[19] == '-' ? -offsetTotal : offsetTotal);

        var local = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified);
        var utcTicks = local.Ticks - offset.Ticks;
        if (utcTicks < DateTime.MinValue.Ticks || utcTicks > DateTime.MaxValue.Ticks)
            return false;

        time = new DateTimeOffset(local, offset);
        return true;
    }

    private static bool TryDigits(ReadOnlySpan<char> s, int start, int count, out int value)
    {
        value = 0;
        for (var i = start; i < start + count; i++)
        {
            var c = s[i];
            if (c < '0' || c > '9')
                return false;
            value = value * 10 + (c - '0');
        }
        return true;
    }
}
