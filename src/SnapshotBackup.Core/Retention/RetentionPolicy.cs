using System.Globalization;
using SnapshotBackup.Core.Time;

namespace SnapshotBackup.Core.Retention;

/// <summary>The original snapshotbackup's retention rules and the tiers added to them, as a pure function of the backups, the settings and now.</summary>
/// <remarks>
/// A backup is daily when it is the first of its calendar day, weekly when it is the first of its ISO week, monthly
/// and yearly when it is the first of its calendar month and year; each backup's date is read in its own UTC offset.
/// Prune keeps the newest backup, everything within retain_all, daily backups within retain_daily, weekly backups
/// within retain_weekly (forever by default), monthly ones within retain_monthly and yearly ones within retain_yearly
/// (none by default). A tier's period is a span back from now, a count (the tier's N newest backups), forever or none.
/// Decay removes everything older than decay except the newest backup. The cut-offs are computed on the wall clock of
/// the local time zone as the original's dateparser did (see <see cref="Duration.Before"/>) and compared with each
/// backup as instants, as the original compared its aware datetimes. With the default tiers this is exactly the
/// original's policy.
/// </remarks>
public static class RetentionPolicy
{
    private static readonly TimeSpan OneDay = TimeSpan.FromDays(1);
    private static readonly TimeSpan OneWeek = TimeSpan.FromDays(7);
    private static readonly TimeSpan OneMonth = TimeSpan.FromDays(31);
    private static readonly TimeSpan OneYear = TimeSpan.FromDays(366);

    /// <summary>Every tier, in the order rules are named (the shortest-lived first).</summary>
    public static IReadOnlyList<RetentionTier> Tiers { get; } =
        [RetentionTier.All, RetentionTier.Daily, RetentionTier.Weekly, RetentionTier.Monthly, RetentionTier.Yearly];

    /// <summary>Evaluates every backup; the result is sorted oldest first.</summary>
    /// <param name="backups">The backups' names and times.</param>
    /// <param name="settings">The retention periods.</param>
    /// <param name="now">The moment of evaluation.</param>
    /// <param name="zone">The local time zone whose wall clock the durations count on (normally
    /// <see cref="TimeProvider.LocalTimeZone"/>).</param>
    public static IReadOnlyList<BackupEntry> Evaluate(
        IEnumerable<(string Name, DateTimeOffset Time)> backups, RetentionSettings settings, DateTimeOffset now, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(backups);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(zone);

        var sorted = backups
            .OrderBy(b => b.Time.UtcTicks)
            .ThenBy(b => b.Name, StringComparer.Ordinal)
            .ToList();
        var n = sorted.Count;

        var daily = new bool[n];
        var weekly = new bool[n];
        var monthly = new bool[n];
        var yearly = new bool[n];
        for (var i = 0; i < n; i++)
        {
            var time = sorted[i].Time;
            var previous = i == 0 ? (DateTimeOffset?)null : sorted[i - 1].Time;
            daily[i] = previous is not { } p || !IsSameDay(p, time);
            weekly[i] = previous is not { } pw || !IsSameWeek(pw, time);
            monthly[i] = previous is not { } pm || !IsSameMonth(pm, time);
            yearly[i] = previous is not { } py || !IsSameYear(py, time);
        }
        var all = new bool[n];
        Array.Fill(all, true);
        var times = sorted.Select(b => b.Time).ToArray();
        var inAll = Kept(settings.RetainAll, all, times, now, zone);
        var inDaily = Kept(settings.RetainDaily, daily, times, now, zone);
        var inWeekly = Kept(settings.RetainWeekly, weekly, times, now, zone);
        var inMonthly = Kept(settings.RetainMonthly, monthly, times, now, zone);
        var inYearly = Kept(settings.RetainYearly, yearly, times, now, zone);
        var decayBefore = settings.Decay.Before(now, zone);

        var result = new List<BackupEntry>(n);
        for (var i = 0; i < n; i++)
        {
            var (name, time) = sorted[i];
            var last = i == n - 1;
            var keep = last || inAll[i] || inDaily[i] || inWeekly[i] || inMonthly[i] || inYearly[i];
            var decay = !last && time < decayBefore;
            result.Add(new BackupEntry(name, time, daily[i], weekly[i], last, inAll[i], inDaily[i], !keep, decay)
            {
                Monthly = monthly[i],
                Yearly = yearly[i],
                InRetainWeekly = inWeekly[i],
                InRetainMonthly = inMonthly[i],
                InRetainYearly = inYearly[i],
            });
        }
        return result;
    }

    /// <summary>Which members of a tier (<paramref name="member"/>, oldest first) its <paramref name="period"/> keeps at <paramref name="now"/>.</summary>
    private static bool[] Kept(RetentionPeriod period, bool[] member, DateTimeOffset[] times, DateTimeOffset now, TimeZoneInfo zone)
    {
        var kept = new bool[member.Length];
        if (period.IsNone)
        {
            return kept;
        }
        if (period.IsForever)
        {
            Array.Copy(member, kept, member.Length);
            return kept;
        }
        if (period.Count is { } count)
        {
            for (var i = member.Length - 1; i >= 0 && count > 0; i--)
            {
                if (member[i])
                {
                    kept[i] = true;
                    count--;
                }
            }
            return kept;
        }
        var from = period.From(now, zone)!.Value;
        for (var i = 0; i < member.Length; i++)
        {
            kept[i] = member[i] && times[i] >= from;
        }
        return kept;
    }

    private static bool IsSameDay(DateTimeOffset a, DateTimeOffset b) =>
        a.Year == b.Year && a.Month == b.Month && a.Day == b.Day && (a - b).Duration() < OneDay;

    private static bool IsSameWeek(DateTimeOffset a, DateTimeOffset b)
    {
        var da = a.DateTime;
        var db = b.DateTime;
        return ISOWeek.GetYear(da) == ISOWeek.GetYear(db)
               && ISOWeek.GetWeekOfYear(da) == ISOWeek.GetWeekOfYear(db)
               && (a - b).Duration() < OneWeek;
    }

    private static bool IsSameMonth(DateTimeOffset a, DateTimeOffset b) =>
        a.Year == b.Year && a.Month == b.Month && (a - b).Duration() < OneMonth;

    private static bool IsSameYear(DateTimeOffset a, DateTimeOffset b) =>
        a.Year == b.Year && (a - b).Duration() < OneYear;
}
