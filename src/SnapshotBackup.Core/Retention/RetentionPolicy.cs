using System.Globalization;
using SnapshotBackup.Core.Time;

namespace SnapshotBackup.Core.Retention;

/// <summary>The original snapshotbackup's retention rules, as a pure function of the backups, the settings and now.</summary>
/// <remarks>
/// A backup is daily when it is the first of its calendar day and weekly when it is the first of its ISO week;
/// each backup's date is read in its own UTC offset. Prune keeps the newest backup, everything within retain_all,
/// daily backups within retain_daily and weekly backups forever. Decay removes everything older than decay
/// except the newest backup. The cut-offs are computed on the wall clock of the local time zone as the original's
/// dateparser did (see <see cref="Duration.Before"/>) and compared with each backup as instants, as the original
/// compared its aware datetimes.
/// </remarks>
public static class RetentionPolicy
{
    private static readonly TimeSpan OneDay = TimeSpan.FromDays(1);
    private static readonly TimeSpan OneWeek = TimeSpan.FromDays(7);

    /// <summary>Evaluates every backup; the result is sorted oldest first.</summary>
    /// <param name="backups">The backups' names and times.</param>
    /// <param name="settings">The retention durations.</param>
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

        var retainAllFrom = settings.RetainAll.Before(now, zone);
        var retainDailyFrom = settings.RetainDaily.Before(now, zone);
        var decayBefore = settings.Decay.Before(now, zone);

        var result = new List<BackupEntry>(sorted.Count);
        for (var i = 0; i < sorted.Count; i++)
        {
            var (name, time) = sorted[i];
            var daily = i == 0 || !IsSameDay(sorted[i - 1].Time, time);
            var weekly = i == 0 || !IsSameWeek(sorted[i - 1].Time, time);
            var last = i == sorted.Count - 1;
            var inRetainAll = time >= retainAllFrom;
            var inRetainDaily = daily && time >= retainDailyFrom;
            var keep = last || inRetainAll || inRetainDaily || weekly;
            var decay = !last && time < decayBefore;
            result.Add(new BackupEntry(name, time, daily, weekly, last, inRetainAll, inRetainDaily, !keep, decay));
        }
        return result;
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
}
