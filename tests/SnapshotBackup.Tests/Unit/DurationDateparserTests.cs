using System.Globalization;
using System.Text.Json;
using SnapshotBackup.Core.Time;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.Unit;

/// <summary>
/// The guard against dateparser itself (Debian's python3-dateparser 1.1.6 with tzlocal 4): for every accepted form,
/// every daylight-saving case and generated durations, the original's own call,
/// <c>dateparser.parse(value, settings={'RETURN_AS_TIMEZONE_AWARE': True})</c> with the local zone set by TZ and
/// <c>datetime.now</c> pinned, gives the same cut-off, wall-clock time and offset as <see cref="Duration.Before"/>.
/// Set DURATION_SEED to replay the generated part.
/// </summary>
public class DurationDateparserTests
{
    private const int Generated = 300;

    /// <summary>After <see cref="DateparserPython.Preamble"/>: the original's own call for each (now, value).</summary>
    private const string Script = """
        out = []
        for now, text in json.load(open(sys.argv[1], encoding='utf-8')):
            pinned = _dt.datetime.fromisoformat(now)
            r = dateparser.parse(text, settings={'RETURN_AS_TIMEZONE_AWARE': True})
            out.append(r.isoformat(timespec='microseconds') if r else None)
        json.dump(out, sys.stdout)
        """;

    private string dir = "";

    [SetUp]
    public void CreateDirectory() => dir = Directory.CreateTempSubdirectory("snapshotbackup-dateparser-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(dir, recursive: true);

    private static string Iso(DateTimeOffset t) => t.ToString("yyyy-MM-ddTHH:mm:ss.ffffffzzz", CultureInfo.InvariantCulture);

    /// <summary>What dateparser returns for each (now, value), in the time zone <paramref name="zone"/>.</summary>
    private string?[] Dateparser(string zone, IReadOnlyList<(DateTimeOffset Now, string Text)> cases)
    {
        var output = DateparserPython.Run(dir, Script, JsonSerializer.Serialize(cases.Select(c => new[] { Iso(c.Now), c.Text })), zone);
        var answers = JsonSerializer.Deserialize<string?[]>(output)!;
        Assert.That(answers, Has.Length.EqualTo(cases.Count));
        return answers;
    }

    private void AssertSame(string zone, IReadOnlyList<(DateTimeOffset Now, string Text)> cases)
    {
        var theirs = Dateparser(zone, cases);
        var tz = TimeZoneInfo.FindSystemTimeZoneById(zone);
        var differences = cases
            .Select((c, i) => (c.Now, c.Text, Ours: Iso(Duration.Parse(c.Text).Before(c.Now, tz)), Theirs: theirs[i]))
            .Where(c => c.Ours != c.Theirs)
            .Select(c => $"'{c.Text}' before {Iso(c.Now)} in {zone}: ours {c.Ours}, dateparser {c.Theirs ?? "None"}")
            .ToList();
        Assert.That(differences, Is.Empty, string.Join("\n", differences));
    }

    [TestCase("UTC")]
    [TestCase("Europe/Berlin")]
    public void Every_accepted_form_means_what_dateparser_makes_of_it(string zone)
    {
        var now = DurationTests.Now;
        AssertSame(zone, [.. DurationTests.Accepted.Select(a => (now, a[0]))]);
    }

    [Test]
    public void Every_daylight_saving_case_is_what_dateparser_gives()
    {
        foreach (var zone in DurationDstTests.Cases.GroupBy(c => (string)c[0]))
        {
            AssertSame(zone.Key, [.. zone.Select(c => (DateTimeOffset.Parse((string)c[1], CultureInfo.InvariantCulture), (string)c[2]))]);
        }
    }

    [TestCase("Europe/Berlin")]
    [TestCase("America/New_York")]
    public void Generated_durations_cut_off_where_dateparser_does(string zone)
    {
        var seed = Environment.GetEnvironmentVariable("DURATION_SEED") is { Length: > 0 } s
            ? int.Parse(s, CultureInfo.InvariantCulture)
            : Random.Shared.Next();
        TestContext.Out.WriteLine($"duration seed {seed} (replay with DURATION_SEED={seed})");
        var generator = new DurationGenerator(seed, dateparserReadable: true);
        var tz = TimeZoneInfo.FindSystemTimeZoneById(zone);
        var changes = DurationGenerator.Changes(tz);
        var cases = new List<(DateTimeOffset, string)>();
        var landings = new List<Naive.Landing>();
        for (var i = 0; i < Generated; i++)
        {
            var (duration, text) = generator.Next();
            var now = generator.Now(tz, duration, changes);
            cases.Add((now, text));
            Naive.Before(duration, now, tz, out var landing);
            landings.Add(landing);
        }
        TestContext.Out.WriteLine($"{Generated} cases, {landings.Count(l => l == Naive.Landing.Gap)} cut-offs in skipped hours, " +
                                  $"{landings.Count(l => l == Naive.Landing.Overlap)} in repeated hours");
        AssertSame(zone, cases);
        Assert.That(landings, Has.Some.EqualTo(Naive.Landing.Gap).And.Some.EqualTo(Naive.Landing.Overlap), "skipped and repeated hours were tried");
    }

    [Test]
    public void Values_refused_here_have_no_fixed_span_back_in_dateparser()
    {
        // dateparser gives these a meaning, but not "this long before now": a time in the future, a clock time or a
        // date. (Signed numbers are refused too: 1.1.6 drops the sign of "+1 day", newer versions read it as tomorrow.)
        string[] texts = ["in 2 days", "tomorrow", "next week", "day after tomorrow", "1h30", "march", "3 mon"];
        var now = DurationTests.Now;
        var theirs = Dateparser("UTC", [.. texts.Select(t => (now, t))]);
        Assert.Multiple(() =>
        {
            for (var i = 0; i < texts.Length; i++)
            {
                Assert.That(Duration.TryParse(texts[i], out _), Is.False, texts[i]);
                Assert.That(theirs[i], Is.Not.Null, $"dateparser reads '{texts[i]}'");
                var cutOff = DateTimeOffset.Parse(theirs[i]!, CultureInfo.InvariantCulture);
                Assert.That(cutOff > now || cutOff.TimeOfDay != now.TimeOfDay, Is.True,
                    $"'{texts[i]}': {theirs[i]} is in the future or at another time of day");
            }
        });
    }

    [Test]
    public void Values_dateparser_cannot_read_are_refused_here_too()
    {
        string[] texts = ["0.3 months", "1.5 months", "2 wks", "2 yrs", "3 mons", "1 fortnight", "garbage", "", "thirteen days", "next friday", "3 days later", "3 days from now", "2w ago"];
        var theirs = Dateparser("UTC", [.. texts.Select(t => (DurationTests.Now, t))]);
        Assert.Multiple(() =>
        {
            for (var i = 0; i < texts.Length; i++)
            {
                Assert.That(theirs[i], Is.Null, $"dateparser cannot read '{texts[i]}'");
                // '2w ago' is the one exception: read here as two weeks, as '2w' and '2 weeks ago' are by both.
                Assert.That(Duration.TryParse(texts[i], out _), Is.EqualTo(texts[i] == "2w ago"), texts[i]);
            }
        });
    }
}
