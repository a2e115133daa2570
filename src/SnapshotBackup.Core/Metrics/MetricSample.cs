namespace SnapshotBackup.Core.Metrics;

/// <summary>
/// One line of the Prometheus text format: a metric name, its labels in order and a value. What the metrics file is
/// made of, written by <see cref="PrometheusText.Format"/> and read back by <see cref="PrometheusText.Parse"/> (the next
/// writer keeps the other sections' lines and continues the counters).
/// </summary>
public sealed record MetricSample(string Name, IReadOnlyList<KeyValuePair<string, string>> Labels, double Value)
{
    /// <summary>The value of label <paramref name="label"/>, or null when the sample has none.</summary>
    public string? Label(string label)
    {
        foreach (var pair in Labels)
        {
            if (pair.Key == label)
            {
                return pair.Value;
            }
        }
        return null;
    }
}
