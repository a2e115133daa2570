using System.Globalization;
using SnapshotBackup.Core.Time;

namespace SnapshotBackup.Tests.Unit;

/// <summary>
/// Generated durations and instants: every way of writing a duration reads back as it, its words round-trip, and its
/// cut-off equals <see cref="Naive"/>, a separate computation of what Python does. Set DURATION_SEED to replay.
/// </summary>
public class DurationPropertyTests
{
    private const int Cases = 4000;

    private static readonly string[] Zones = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC"];

    [Test]
    public void Generated_durations_read_back_round_trip_and_cut_off_on_the_naive_wall_clock()
    {
        var seed = Environment.GetEnvironmentVariable("DURATION_SEED") is { Length: > 0 } s
            ? int.Parse(s, CultureInfo.InvariantCulture)
            : Random.Shared.Next();
        TestContext.Out.WriteLine($"duration seed {seed} (replay with DURATION_SEED={seed})");
        var generator = new DurationGenerator(seed);
        var zones = Zones.Select(id => (Zone: TimeZoneInfo.FindSystemTimeZoneById(id), Changes: DurationGenerator.Changes(TimeZoneInfo.FindSystemTimeZoneById(id)))).ToList();
        var failures = new List<string>();
        int inGaps = 0, inOverlaps = 0;
        for (var i = 0; i < Cases; i++)
        {
            var (duration, text) = generator.Next();
            var (zone, changes) = zones[i % zones.Count];
            var now = generator.Now(zone, duration, changes);
            if (!Duration.TryParse(text, out var parsed, out var error))
            {
                failures.Add($"'{text}' refused: {error}");
                continue;
            }
            if (parsed != duration)
            {
                failures.Add($"'{text}' read as {parsed}, meant {duration}");
            }
            if (Duration.Parse(duration.ToString()) != duration)
            {
                failures.Add($"'{duration}' does not read back as itself");
            }
            var expected = Naive.Before(duration, now, zone, out var where);
            var actual = duration.Before(now, zone);
            if (actual != expected || actual.Offset != expected.Offset)
            {
                failures.Add($"{duration} before {now:o} in {zone.Id}: {actual:o}, naively {expected:o}");
            }
            inGaps += where == Naive.Landing.Gap ? 1 : 0;
            inOverlaps += where == Naive.Landing.Overlap ? 1 : 0;
        }
        TestContext.Out.WriteLine($"{Cases} cases, {inGaps} cut-offs in skipped hours, {inOverlaps} in repeated hours");
        Assert.Multiple(() =>
        {
            Assert.That(failures, Is.Empty, $"seed {seed}");
            Assert.That(inGaps, Is.GreaterThan(20), "cut-offs in skipped hours were tried");
            Assert.That(inOverlaps, Is.GreaterThan(20), "cut-offs in repeated hours were tried");
        });
    }
}

/// <summary>
/// What Python computes for <c>now - relativedelta(...)</c> on an aware local datetime, written out independently of
/// <see cref="Duration.Before"/> and <see cref="WallClock"/>: relativedelta's calendar step by hand (year and month
/// counted, the day clamped), timedelta's microseconds rounded half to even, and PEP 495's fold=0 found by trying
/// every offset the zone uses around that time.
/// </summary>
internal static class Naive
{
    public enum Landing
    {
        Plain,
        Gap,
        Overlap,
    }

    public static double FixedMicroseconds(Duration duration) => (double)FixedMicrosecondsExact(duration);

    private static decimal FixedMicrosecondsExact(Duration duration) =>
        duration.Parts.Sum(p => p.Amount * p.Unit switch
        {
            DurationUnit.Second => 1_000_000m,
            DurationUnit.Minute => 60_000_000m,
            DurationUnit.Hour => 3_600_000_000m,
            DurationUnit.Day => 86_400_000_000m,
            DurationUnit.Week => 604_800_000_000m,
            _ => 0m,
        });

    public static DateTimeOffset Before(Duration duration, DateTimeOffset now, TimeZoneInfo zone, out Landing landing)
    {
        var local = TimeZoneInfo.ConvertTime(now, zone);
        var wall = local.DateTime;

        // relativedelta: years (decades are 10 years) and months first, the day clamped to the target month.
        var years = (int)duration.Parts.Sum(p => p.Unit == DurationUnit.Year ? p.Amount : p.Unit == DurationUnit.Decade ? 10 * p.Amount : 0);
        var months = (int)duration.Parts.Sum(p => p.Unit == DurationUnit.Month ? p.Amount : 0);
        var index = wall.Year * 12 + (wall.Month - 1) - 12 * years - months;
        var (year, month) = (index / 12, index % 12 + 1);
        var day = Math.Min(wall.Day, DateTime.DaysInMonth(year, month));
        var shifted = new DateTime(year, month, day).Add(wall.TimeOfDay);

        // then timedelta(days, hours, minutes, seconds), exact to the microsecond.
        var micro = decimal.Round(FixedMicrosecondsExact(duration), MidpointRounding.ToEven);
        shifted = shifted.AddTicks(-(long)(micro * 10));

        // fold=0: of the instants showing this wall-clock time the earlier; when none does (a skipped time), the
        // offset in effect before the change, which is the one at "shifted read with the later offset".
        var offsets = Enumerable.Range(-48, 97)
            .Select(h => zone.GetUtcOffset(new DateTimeOffset(DateTime.SpecifyKind(shifted, DateTimeKind.Unspecified), TimeSpan.Zero).AddMinutes(30 * h)))
            .Distinct()
            .ToList();
        var showing = offsets
            .Select(o => new DateTimeOffset(DateTime.SpecifyKind(shifted, DateTimeKind.Unspecified), o))
            .Where(t => TimeZoneInfo.ConvertTime(t, zone).DateTime == shifted)
            .OrderBy(t => t.UtcTicks)
            .ToList();
        if (showing.Count > 0)
        {
            landing = showing.Count > 1 ? Landing.Overlap : Landing.Plain;
            return showing[0];
        }
        landing = Landing.Gap;
        var later = new DateTimeOffset(DateTime.SpecifyKind(shifted, DateTimeKind.Unspecified), offsets.Max());
        return new DateTimeOffset(DateTime.SpecifyKind(shifted, DateTimeKind.Unspecified), zone.GetUtcOffset(later));
    }
}
