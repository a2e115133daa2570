using System.Globalization;
using System.Text.Json;
using SnapshotBackup.Core.Retention;
using SnapshotBackup.Core.Volume;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.Unit.Retention;

/// <summary>
/// The retention policy against an oracle written apart from it in Python, in the original tool's own terms: its
/// cut-offs are what the original's call <c>dateparser.parse(value)</c> gives (Debian's python3-dateparser, with
/// <c>datetime.now</c> pinned and the zone set by TZ), its calendar days, ISO weeks, months and years are Python's
/// <c>date()</c> and <c>isocalendar()</c> of each aware datetime, and the new tiers (<c>retain_weekly</c>,
/// <c>retain_monthly</c>, <c>retain_yearly</c>, and the count forms of every tier) are the plain reading of the README.
/// Generated histories (hourly runs, gaps, clusters, snapshots named in other offsets after a disk moved) and generated
/// settings; every flag of every backup must agree. Set RETENTION_SEED to replay.
/// </summary>
public class RetentionOracleTests
{
    private const int CasesPerZone = 120;

    private const string Script = """
        def period(value):
            v = value.strip().strip("'\"").strip().lower()
            if v == 'forever':
                return ('forever', None)
            if v == 'none':
                return ('none', None)
            if v.isdigit():
                return ('none', None) if int(v) == 0 else ('count', int(v))
            return ('span', dateparser.parse(value, settings={'RETURN_AS_TIMEZONE_AWARE': True}))

        def same_day(a, b):
            return a.date() == b.date() and abs(a - b) < _dt.timedelta(days=1)
        def same_week(a, b):
            return a.isocalendar()[:2] == b.isocalendar()[:2] and abs(a - b) < _dt.timedelta(weeks=1)
        def same_month(a, b):
            return (a.year, a.month) == (b.year, b.month) and abs(a - b) < _dt.timedelta(days=31)
        def same_year(a, b):
            return a.year == b.year and abs(a - b) < _dt.timedelta(days=366)

        def firsts(times, same):
            return [i == 0 or not same(times[i - 1], t) for i, t in enumerate(times)]

        def kept(p, members, times):
            kind, arg = p
            if kind == 'none':
                return [False] * len(times)
            if kind == 'forever':
                return list(members)
            if kind == 'count':
                chosen = set([i for i in range(len(times)) if members[i]][-arg:])
                return [i in chosen for i in range(len(times))]
            return [m and t >= arg for m, t in zip(members, times)]

        out = []
        for case in json.load(open(sys.argv[1], encoding='utf-8')):
            pinned = _dt.datetime.fromisoformat(case['now'])
            backups = sorted((_dt.datetime.fromisoformat(n), n) for n in case['names'])
            times = [t for t, _ in backups]
            s = case['settings']
            daily, weekly = firsts(times, same_day), firsts(times, same_week)
            monthly, yearly = firsts(times, same_month), firsts(times, same_year)
            tiers = [kept(period(s['retain_all']), [True] * len(times), times),
                     kept(period(s['retain_daily']), daily, times),
                     kept(period(s['retain_weekly']), weekly, times),
                     kept(period(s['retain_monthly']), monthly, times),
                     kept(period(s['retain_yearly']), yearly, times)]
            decay_before = dateparser.parse(s['decay'], settings={'RETURN_AS_TIMEZONE_AWARE': True})
            result = []
            for i, (t, name) in enumerate(backups):
                last = i == len(backups) - 1
                keep = last or any(tier[i] for tier in tiers)
                flags = [daily[i], weekly[i], monthly[i], yearly[i]] + [tier[i] for tier in tiers] + [not keep, not last and t < decay_before]
                result.append([name] + [1 if f else 0 for f in flags])
            out.append(result)
        json.dump(out, sys.stdout)
        """;

    private static readonly string[] Spans =
    [
        "1 day", "36 hours", "2 weeks", "'2 weeks'", "1 month", "3 months", "6 months", "1 year", "2 years", "10 days", "5 weeks",
    ];

    private string dir = "";

    [SetUp]
    public void CreateDirectory() => dir = Directory.CreateTempSubdirectory("snapshotbackup-retention-oracle-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(dir, recursive: true);

    private sealed record Case(string Now, string[] Names, Dictionary<string, string> Settings);

    private static string Iso(DateTimeOffset t) => t.ToString("yyyy-MM-ddTHH:mm:ss.ffffffzzz", CultureInfo.InvariantCulture);

    private static string Period(Random rng) => rng.Next(10) switch
    {
        < 5 => Spans[rng.Next(Spans.Length)],
        < 8 => rng.Next(0, 25).ToString(CultureInfo.InvariantCulture),
        8 => "forever",
        _ => "none",
    };

    /// <summary>A history of up to 400 backups over up to three years before now, in the zone's offsets (a few in others).</summary>
    private static Case Generate(Random rng, TimeZoneInfo zone)
    {
        var now = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(rng.NextInt64(0, 3L * 365 * 86400));
        now = TimeZoneInfo.ConvertTime(now, zone);
        var count = rng.Next(1, 400);
        var span = TimeSpan.FromDays(rng.Next(1, 3 * 365));
        var names = new HashSet<string>(StringComparer.Ordinal);
        var t = now - span;
        for (var i = 0; i < count && t <= now; i++)
        {
            // Hourly runs, daily gaps, and now and then a pause of weeks.
            t += rng.Next(10) switch
            {
                < 5 => TimeSpan.FromMinutes(rng.Next(30, 90)),
                < 9 => TimeSpan.FromHours(rng.Next(6, 50)),
                _ => TimeSpan.FromDays(rng.Next(5, 60)),
            };
            if (t > now)
            {
                break;
            }
            var offset = rng.Next(20) == 0 ? TimeSpan.FromHours(rng.Next(-11, 13)) : zone.GetUtcOffset(t);
            names.Add(SnapshotName.Format(new DateTimeOffset(t.UtcDateTime.AddTicks(-(t.UtcTicks % TimeSpan.TicksPerSecond)), TimeSpan.Zero).ToOffset(offset)));
        }
        if (names.Count == 0)
        {
            names.Add(SnapshotName.Format(now.AddDays(-1)));
        }
        var settings = new Dictionary<string, string>
        {
            ["retain_all"] = rng.Next(3) == 0 ? Period(rng) : Spans[rng.Next(Spans.Length)],
            ["retain_daily"] = Period(rng),
            ["retain_weekly"] = rng.Next(4) == 0 ? "forever" : Period(rng),
            ["retain_monthly"] = Period(rng),
            ["retain_yearly"] = Period(rng),
            ["decay"] = rng.Next(3) == 0 ? "100 years" : Spans[rng.Next(Spans.Length)],
        };
        return new Case(Iso(now), [.. names], settings);
    }

    private static int[] Ours(Case c, TimeZoneInfo zone)
    {
        var settings = new RetentionSettings(
            RetentionPeriod.Parse(c.Settings["retain_all"]), RetentionPeriod.Parse(c.Settings["retain_daily"]),
            Core.Time.Duration.Parse(c.Settings["decay"]))
        {
            RetainWeekly = RetentionPeriod.Parse(c.Settings["retain_weekly"]),
            RetainMonthly = RetentionPeriod.Parse(c.Settings["retain_monthly"]),
            RetainYearly = RetentionPeriod.Parse(c.Settings["retain_yearly"]),
        };
        var backups = c.Names.Select(n => (n, SnapshotName.TryParse(n, out var time) ? time : throw new FormatException(n)));
        var now = DateTimeOffset.Parse(c.Now, CultureInfo.InvariantCulture);
        return [.. RetentionPolicy.Evaluate(backups, settings, now, zone).SelectMany(e => new[]
        {
            e.Daily, e.Weekly, e.Monthly, e.Yearly, e.InRetainAll, e.InRetainDaily, e.InRetainWeekly, e.InRetainMonthly,
            e.InRetainYearly, e.PruneCandidate, e.DecayCandidate,
        }).Select(f => f ? 1 : 0)];
    }

    private static readonly string[] Flags =
    [
        "daily", "weekly", "monthly", "yearly", "retain_all", "retain_daily", "retain_weekly", "retain_monthly", "retain_yearly", "prune", "decay",
    ];

    [TestCase("UTC")]
    [TestCase("Europe/Berlin")]
    [TestCase("America/New_York")]
    public void Generated_histories_and_settings_get_the_oracles_verdict_on_every_flag(string zoneId)
    {
        var seed = Environment.GetEnvironmentVariable("RETENTION_SEED") is { Length: > 0 } s
            ? int.Parse(s, CultureInfo.InvariantCulture)
            : Random.Shared.Next();
        TestContext.Out.WriteLine($"retention seed {seed} (replay with RETENTION_SEED={seed})");
        var rng = new Random(seed);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        var cases = Enumerable.Range(0, CasesPerZone).Select(_ => Generate(rng, zone)).ToList();

        var output = DateparserPython.Run(dir, Script, JsonSerializer.Serialize(cases.Select(c => new Dictionary<string, object>
        {
            ["now"] = c.Now, ["names"] = c.Names, ["settings"] = c.Settings,
        })), zoneId);
        using var answers = JsonDocument.Parse(output);
        Assert.That(answers.RootElement.GetArrayLength(), Is.EqualTo(cases.Count));

        var differences = new List<string>();
        var tried = new int[Flags.Length];
        for (var i = 0; i < cases.Count; i++)
        {
            var theirs = answers.RootElement[i].EnumerateArray().ToList();
            var ours = Ours(cases[i], zone);
            Assert.That(ours, Has.Length.EqualTo(theirs.Count * Flags.Length));
            for (var b = 0; b < theirs.Count; b++)
            {
                var row = theirs[b].EnumerateArray().ToList();
                for (var f = 0; f < Flags.Length; f++)
                {
                    tried[f] += row[f + 1].GetInt32();
                    if (row[f + 1].GetInt32() != ours[b * Flags.Length + f] && differences.Count < 20)
                    {
                        differences.Add($"case {i} ({string.Join(", ", cases[i].Settings.Select(p => $"{p.Key}={p.Value}"))}, now {cases[i].Now}): " +
                                        $"{row[0].GetString()} {Flags[f]}: ours {ours[b * Flags.Length + f]}, oracle {row[f + 1].GetInt32()}");
                    }
                }
            }
        }
        TestContext.Out.WriteLine($"{cases.Count} histories, {cases.Sum(c => c.Names.Length)} backups; set per flag: " +
                                  string.Join(", ", Flags.Select((f, k) => $"{f} {tried[k]}")));
        Assert.That(differences, Is.Empty, string.Join("\n", differences));
        Assert.That(tried, Has.All.GreaterThan(0), "every flag was both tried set");
    }
}
