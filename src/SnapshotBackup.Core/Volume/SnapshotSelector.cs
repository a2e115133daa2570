using System.Globalization;
using SnapshotBackup.Core.Time;

namespace SnapshotBackup.Core.Volume;

/// <summary>
/// Picks one snapshot of a volume the way people name them on a command line: by its full name, by a prefix only one
/// snapshot has (<c>2026-11-30T18</c>), or as the newest at or before a time (<c>--at 'yesterday'</c>,
/// <c>--at 2026-11-30</c>). A name that matches nothing or several is a <see cref="UsageException"/> naming the
/// candidates, so nothing is restored or compared from a snapshot the user did not mean.
/// </summary>
public static class SnapshotSelector
{
    /// <summary>The snapshot called <paramref name="nameOrPrefix"/>, or the only one whose name starts with it.</summary>
    public static Snapshot ByName(VolumeListing listing, string nameOrPrefix, string volume)
    {
        ArgumentNullException.ThrowIfNull(listing);
        ArgumentNullException.ThrowIfNull(nameOrPrefix);
        if (listing.Snapshots.FirstOrDefault(s => s.Name == nameOrPrefix) is { } exact)
        {
            return exact;
        }
        var matches = nameOrPrefix.Length == 0 ? [] : listing.Snapshots.Where(s => s.Name.StartsWith(nameOrPrefix, StringComparison.Ordinal)).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new UsageException(listing.Snapshots.Count == 0
                ? $"no snapshot '{nameOrPrefix}': {volume} has no snapshots yet"
                : $"no snapshot '{nameOrPrefix}' in {volume}; its snapshots run from {listing.Snapshots[0].Name} to {listing.Snapshots[^1].Name} ('list' shows them all)"),
            _ => throw new UsageException(
                $"'{nameOrPrefix}' names {matches.Count} snapshots ({string.Join(", ", matches.Take(3).Select(s => s.Name))}{(matches.Count > 3 ? ", …" : "")}); give more of the name"),
        };
    }

    /// <summary>The newest snapshot taken at or before <paramref name="when"/> (see <see cref="ParseWhen"/>).</summary>
    public static Snapshot AtOrBefore(VolumeListing listing, string when, DateTimeOffset now, TimeZoneInfo zone, string volume)
    {
        ArgumentNullException.ThrowIfNull(listing);
        var time = ParseWhen(when, now, zone);
        return listing.Snapshots.LastOrDefault(s => s.Time <= time) ?? throw new UsageException(listing.Snapshots.Count == 0
            ? $"no snapshot at or before {when}: {volume} has no snapshots yet"
            : $"no snapshot at or before {when} ({SnapshotName.Format(time.ToOffset(zone.GetUtcOffset(time)))}); the oldest is {listing.Snapshots[0].Name}");
    }

    /// <summary>
    /// <c>--from</c>, else <c>--at</c>, else the newest; both given is a usage error. Throws <see cref="UsageException"/>
    /// when the volume has no snapshot to choose.
    /// </summary>
    public static Snapshot Choose(VolumeListing listing, string? from, string? at, DateTimeOffset now, TimeZoneInfo zone, string volume)
    {
        ArgumentNullException.ThrowIfNull(listing);
        if (from is not null && at is not null)
        {
            throw new UsageException("give --from or --at, not both");
        }
        if (from is not null)
        {
            return ByName(listing, from, volume);
        }
        if (at is not null)
        {
            return AtOrBefore(listing, at, now, zone, volume);
        }
        return listing.Newest ?? throw new UsageException($"{volume} has no snapshots yet; there is nothing to restore from");
    }

    private static readonly string[] DateFormats =
    [
        "yyyy-MM-dd", "yyyy-MM-ddTHH:mm", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss",
    ];

    private static readonly string[] OffsetFormats =
    [
        "yyyy-MM-ddTHH:mmzzz", "yyyy-MM-ddTHH:mm:sszzz", "yyyy-MM-dd HH:mmzzz", "yyyy-MM-dd HH:mm:sszzz",
        "yyyy-MM-ddTHH:mmZ", "yyyy-MM-ddTHH:mm:ssZ",
    ];

    /// <summary>
    /// A point in time: a span back from now as durations are written in the configuration (<c>2 days ago</c>,
    /// <c>yesterday</c>, <c>3h</c>), a local date (midnight at its start) or date and time, or a time with its offset
    /// (a snapshot's own name). Throws <see cref="UsageException"/> saying what is accepted.
    /// </summary>
    public static DateTimeOffset ParseWhen(string when, DateTimeOffset now, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(when);
        ArgumentNullException.ThrowIfNull(zone);
        var text = when.Trim();
        if (DateTimeOffset.TryParseExact(text, OffsetFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var withOffset))
        {
            return withOffset;
        }
        if (DateTime.TryParseExact(text, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            return WallClock.Resolve(local, zone);
        }
        if (Duration.TryParse(text, out var duration, out _))
        {
            return duration.Before(now, zone);
        }
        throw new UsageException(
            $"--at {when}: expected a time: a span back from now ('2 days ago', 'yesterday', '3h'), a date (2026-11-30, midnight at its start) or a date and time (2026-11-30T18:00, or a snapshot's name)");
    }
}
