using SnapshotBackup.Core.Metrics;

namespace SnapshotBackup.Tests.Unit.Metrics;

/// <summary>The text exposition format as snapshotbackup writes and reads it back.</summary>
public class PrometheusTextTests
{
    private static readonly MetricFamily Gauge = new("snapshotbackup_test_bytes", MetricFamily.Gauge, "A test\\gauge\nwith two lines.");
    private static readonly MetricFamily Counter = new("snapshotbackup_test_total", MetricFamily.Counter, "A test counter.");

    private static MetricSample Sample(string name, double value, params (string Key, string Value)[] labels) =>
        new(name, labels.Select(l => new KeyValuePair<string, string>(l.Key, l.Value)).ToList(), value);

    [Test]
    public void Each_family_has_its_help_and_type_once_above_its_samples()
    {
        var text = PrometheusText.Format(
        [
            (Gauge, [Sample(Gauge.Name, 1, ("backup", "a")), Sample(Gauge.Name, 2, ("backup", "b"))]),
            (Counter, [Sample(Counter.Name, 3, ("backup", "a"))]),
        ]);

        Assert.That(text, Is.EqualTo(
            "# HELP snapshotbackup_test_bytes A test\\\\gauge\\nwith two lines.\n" +
            "# TYPE snapshotbackup_test_bytes gauge\n" +
            "snapshotbackup_test_bytes{backup=\"a\"} 1\n" +
            "snapshotbackup_test_bytes{backup=\"b\"} 2\n" +
            "# HELP snapshotbackup_test_total A test counter.\n" +
            "# TYPE snapshotbackup_test_total counter\n" +
            "snapshotbackup_test_total{backup=\"a\"} 3\n"));
    }

    [Test]
    public void A_family_without_samples_is_left_out()
    {
        var text = PrometheusText.Format([(Gauge, []), (Counter, [Sample(Counter.Name, 0)])]);

        Assert.That(text, Does.Not.Contain(Gauge.Name));
        Assert.That(text, Does.EndWith("snapshotbackup_test_total 0\n"));
    }

    [Test]
    public void A_sample_of_another_family_is_refused()
    {
        Assert.That(() => PrometheusText.Format([(Gauge, [Sample(Counter.Name, 1)])]), Throws.ArgumentException);
    }

    [Test]
    public void Label_values_are_escaped_as_the_format_says()
    {
        var text = PrometheusText.Format([(Gauge, [Sample(Gauge.Name, 1, ("target", "user@host:/a \"b\"\\c\nd"))])]);

        Assert.That(text, Does.Contain("{target=\"user@host:/a \\\"b\\\"\\\\c\\nd\"} 1\n"));
    }

    [TestCase(0.0, "0")]
    [TestCase(-3.0, "-3")]
    [TestCase(1764667200.0, "1764667200")]
    [TestCase(1764667200.123, "1764667200.123")]
    [TestCase(0.25, "0.25")]
    [TestCase(1e300, "1E+300")]
    [TestCase(double.NaN, "NaN")]
    [TestCase(double.PositiveInfinity, "+Inf")]
    [TestCase(double.NegativeInfinity, "-Inf")]
    public void Values_are_written_in_the_invariant_culture(double value, string expected)
    {
        Assert.That(PrometheusText.FormatValue(value), Is.EqualTo(expected));
    }

    [Test]
    public void What_is_written_parses_back_to_the_same_samples()
    {
        MetricSample[] samples =
        [
            Sample(Gauge.Name, 1764667200.5, ("backup", "a"), ("target", "x \"y\" \\ z\nw")),
            Sample(Gauge.Name, double.PositiveInfinity, ("backup", "b")),
            Sample(Gauge.Name, -0.125),
        ];

        var parsed = PrometheusText.Parse(PrometheusText.Format([(Gauge, samples)]));

        Assert.That(parsed, Has.Count.EqualTo(samples.Length));
        for (var i = 0; i < samples.Length; i++)
        {
            Assert.That(parsed[i].Name, Is.EqualTo(samples[i].Name));
            Assert.That(parsed[i].Labels, Is.EqualTo(samples[i].Labels));
            Assert.That(parsed[i].Value, Is.EqualTo(samples[i].Value));
        }
    }

    [Test]
    public void Parsing_skips_comments_blank_and_broken_lines_and_ignores_a_timestamp()
    {
        var parsed = PrometheusText.Parse(
            "# HELP x y\n\n  \nbroken{backup=\"a\" 1\nno_value\nbad_value{} one\nok{ backup = \"a\" , other=\"b\", } 2 1700000000000\r\nplain 3\n");

        Assert.That(parsed.Select(s => s.Name), Is.EqualTo(new[] { "ok", "plain" }));
        Assert.That(parsed[0].Label("backup"), Is.EqualTo("a"));
        Assert.That(parsed[0].Label("other"), Is.EqualTo("b"));
        Assert.That(parsed[0].Value, Is.EqualTo(2));
        Assert.That(parsed[1].Labels, Is.Empty);
    }

    [Test]
    public void Every_family_name_follows_the_naming_guide()
    {
        foreach (var family in MetricNames.All)
        {
            Assert.That(family.Name, Does.StartWith("snapshotbackup_").And.Match("^[a-z_]+$"), family.Name);
            Assert.That(family.Name.EndsWith("_total", StringComparison.Ordinal), Is.EqualTo(family.Type == MetricFamily.Counter), family.Name);
            if (family.Name.Contains("timestamp", StringComparison.Ordinal) || family.Name.Contains("duration", StringComparison.Ordinal) || family.Name.Contains("lag", StringComparison.Ordinal))
            {
                Assert.That(family.Name, Does.EndWith("_seconds"), family.Name);
            }
        }
        Assert.That(MetricNames.All.Select(f => f.Name), Is.Unique);
    }
}
