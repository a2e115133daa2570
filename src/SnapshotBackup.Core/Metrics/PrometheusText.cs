using System.Globalization;
using System.Text;

namespace SnapshotBackup.Core.Metrics;

/// <summary>
/// The Prometheus text exposition format (version 0.0.4, what node_exporter's textfile collector reads): writing, with
/// <c># HELP</c> and <c># TYPE</c> once per family and the family's samples together, label values escaped (backslash,
/// double quote, line feed); and reading back the samples of a file it wrote. Hand-written, no regex: it runs after
/// every backup and must stay cheap.
/// </summary>
public static class PrometheusText
{
    /// <summary>The families in the order given, each with its samples in the order given; families without samples are left out.</summary>
    public static string Format(IEnumerable<(MetricFamily Family, IReadOnlyList<MetricSample> Samples)> families)
    {
        ArgumentNullException.ThrowIfNull(families);
        var text = new StringBuilder();
        foreach (var (family, samples) in families)
        {
            if (samples.Count == 0)
            {
                continue;
            }
            text.Append("# HELP ").Append(family.Name).Append(' ').Append(EscapeHelp(family.Help)).Append('\n');
            text.Append("# TYPE ").Append(family.Name).Append(' ').Append(family.Type).Append('\n');
            foreach (var sample in samples)
            {
                if (sample.Name != family.Name)
                {
                    throw new ArgumentException($"sample {sample.Name} is not of family {family.Name}", nameof(families));
                }
                AppendSample(text, sample);
            }
        }
        return text.ToString();
    }

    private static void AppendSample(StringBuilder text, MetricSample sample)
    {
        text.Append(sample.Name);
        if (sample.Labels.Count > 0)
        {
            text.Append('{');
            for (var i = 0; i < sample.Labels.Count; i++)
            {
                if (i > 0)
                {
                    text.Append(',');
                }
                text.Append(sample.Labels[i].Key).Append("=\"");
                EscapeLabelValue(text, sample.Labels[i].Value);
                text.Append('"');
            }
            text.Append('}');
        }
        text.Append(' ').Append(FormatValue(sample.Value)).Append('\n');
    }

    /// <summary>A value as the format spells it: integers without a fraction, NaN, +Inf, -Inf; invariant culture.</summary>
    public static string FormatValue(double value)
    {
        if (double.IsNaN(value))
        {
            return "NaN";
        }
        if (double.IsPositiveInfinity(value))
        {
            return "+Inf";
        }
        if (double.IsNegativeInfinity(value))
        {
            return "-Inf";
        }
        if (Math.Abs(value) < 9e15 && value == Math.Floor(value))
        {
            return ((long)value).ToString(CultureInfo.InvariantCulture);
        }
        return value.ToString("R", CultureInfo.InvariantCulture);
    }

    private static void EscapeLabelValue(StringBuilder text, string value)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\': text.Append("\\\\"); break;
                case '"': text.Append("\\\""); break;
                case '\n': text.Append("\\n"); break;
                default: text.Append(c); break;
            }
        }
    }

    private static string EscapeHelp(string help) => help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>
    /// The samples of a text-format file, in file order; comments, blank lines and lines that do not parse are skipped
    /// (a file damaged by hand costs its bad lines, not the whole file). A timestamp after the value is ignored.
    /// </summary>
    public static IReadOnlyList<MetricSample> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var samples = new List<MetricSample>();
        foreach (var line in text.Split('\n'))
        {
            if (TryParseLine(line.TrimEnd('\r'), out var sample))
            {
                samples.Add(sample);
            }
        }
        return samples;
    }

    /// <summary>One sample line; false for comments, blank and malformed lines.</summary>
    public static bool TryParseLine(string line, out MetricSample sample)
    {
        ArgumentNullException.ThrowIfNull(line);
        sample = null!;
        var i = 0;
        SkipBlanks(line, ref i);
        if (i >= line.Length || line[i] == '#')
        {
            return false;
        }
        var nameStart = i;
        while (i < line.Length && IsNameChar(line[i], i == nameStart))
        {
            i++;
        }
        if (i == nameStart)
        {
            return false;
        }
        var name = line[nameStart..i];
        var labels = new List<KeyValuePair<string, string>>();
        SkipBlanks(line, ref i);
        if (i < line.Length && line[i] == '{' && !TryParseLabels(line, ref i, labels))
        {
            return false;
        }
        SkipBlanks(line, ref i);
        var valueStart = i;
        while (i < line.Length && line[i] is not (' ' or '\t'))
        {
            i++;
        }
        if (!TryParseValue(line[valueStart..i], out var value))
        {
            return false;
        }
        sample = new MetricSample(name, labels, value);
        return true;
    }

    private static bool TryParseLabels(string line, ref int i, List<KeyValuePair<string, string>> labels)
    {
        i++; // '{'
        while (true)
        {
            SkipBlanks(line, ref i);
            if (i >= line.Length)
            {
                return false;
            }
            if (line[i] == '}')
            {
                i++;
                return true;
            }
            var keyStart = i;
            while (i < line.Length && IsNameChar(line[i], i == keyStart) && line[i] != ':')
            {
                i++;
            }
            if (i == keyStart)
            {
                return false;
            }
            var key = line[keyStart..i];
            SkipBlanks(line, ref i);
            if (i >= line.Length || line[i] != '=')
            {
                return false;
            }
            i++;
            SkipBlanks(line, ref i);
            if (i >= line.Length || line[i] != '"')
            {
                return false;
            }
            i++;
            var value = new StringBuilder();
            while (true)
            {
                if (i >= line.Length)
                {
                    return false;
                }
                var c = line[i++];
                if (c == '"')
                {
                    break;
                }
                if (c == '\\')
                {
                    if (i >= line.Length)
                    {
                        return false;
                    }
                    var escaped = line[i++];
                    value.Append(escaped switch { 'n' => '\n', '\\' => '\\', '"' => '"', _ => escaped });
                    continue;
                }
                value.Append(c);
            }
            labels.Add(new(key, value.ToString()));
            SkipBlanks(line, ref i);
            if (i < line.Length && line[i] == ',')
            {
                i++;
            }
        }
    }

    private static bool TryParseValue(string text, out double value)
    {
        switch (text)
        {
            case "NaN":
                value = double.NaN;
                return true;
            case "+Inf" or "Inf":
                value = double.PositiveInfinity;
                return true;
            case "-Inf":
                value = double.NegativeInfinity;
                return true;
            default:
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
        }
    }

    private static void SkipBlanks(string line, ref int i)
    {
        while (i < line.Length && line[i] is ' ' or '\t')
        {
            i++;
        }
    }

    private static bool IsNameChar(char c, bool first) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_' or ':' || (!first && c is >= '0' and <= '9');
}
