namespace SnapshotBackup.Core.Metrics;

/// <summary>
/// A metric family of the text format: its name, <c># TYPE</c> (gauge or counter) and <c># HELP</c>, written once above
/// its samples (the format wants a family's lines together).
/// </summary>
public sealed record MetricFamily(string Name, string Type, string Help)
{
    public const string Gauge = "gauge";

    public const string Counter = "counter";
}
