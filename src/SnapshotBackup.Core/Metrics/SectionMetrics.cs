using SnapshotBackup.Core.Runs;

namespace SnapshotBackup.Core.Metrics;

/// <summary>
/// The values of one section (one <c>backup="NAME"</c> series per family). A null value is not written: a section
/// that never ran has no last-run series, a volume never read no volume series. Round-trips through the file
/// (<see cref="ToSamples"/>, <see cref="FromSamples"/>), so a writer that refreshes some values keeps the others.
/// </summary>
public sealed record SectionMetrics(string Section)
{
    public double? LastSuccess { get; init; }

    public double? LastAttempt { get; init; }

    public double? LastDuration { get; init; }

    public double? LastTransferredBytes { get; init; }

    public double? LastTransferredFiles { get; init; }

    /// <summary>One of <see cref="MetricNames.Outcomes"/>.</summary>
    public string? LastOutcome { get; init; }

    public double? Snapshots { get; init; }

    public double? OldestSnapshot { get; init; }

    public double? NewestSnapshot { get; init; }

    /// <summary>A counter: continued from the file's previous value, never reset by the program.</summary>
    public double Pruned { get; init; }

    /// <inheritdoc cref="Pruned"/>
    public double Decayed { get; init; }

    /// <inheritdoc cref="Pruned"/>
    public double MinFreeDeleted { get; init; }

    public bool? VolumeAvailable { get; init; }

    public double? VolumeSize { get; init; }

    public double? VolumeFree { get; init; }

    /// <summary>Per copy target, in configuration order.</summary>
    public IReadOnlyList<CopyMetrics> Copies { get; init; } = [];

    /// <summary>The lower-case outcome label of <paramref name="outcome"/>.</summary>
    public static string OutcomeLabel(RunOutcome outcome) => outcome switch
    {
        RunOutcome.Succeeded => "succeeded",
        RunOutcome.Skipped => "skipped",
        RunOutcome.Failed => "failed",
        RunOutcome.Interrupted => "interrupted",
        _ => outcome.ToString().ToLowerInvariant(),
    };

    /// <summary>Unix seconds, to the millisecond.</summary>
    public static double Seconds(DateTimeOffset time) => time.ToUnixTimeMilliseconds() / 1000.0;

    /// <summary>The samples of this section for <paramref name="family"/> (none when its value is unknown).</summary>
    public IEnumerable<MetricSample> SamplesOf(MetricFamily family)
    {
        ArgumentNullException.ThrowIfNull(family);
        if (family == MetricNames.LastOutcome)
        {
            if (LastOutcome is { } current)
            {
                foreach (var outcome in MetricNames.Outcomes)
                {
                    yield return new MetricSample(family.Name, [Backup, new(MetricNames.OutcomeLabel, outcome)], outcome == current ? 1 : 0);
                }
            }
            yield break;
        }
        if (family == MetricNames.CopyLastSuccess || family == MetricNames.CopyLag)
        {
            foreach (var copy in Copies)
            {
                if ((family == MetricNames.CopyLag ? copy.Lag : copy.LastSuccess) is { } value)
                {
                    yield return new MetricSample(family.Name, [Backup, new(MetricNames.TargetLabel, copy.Target)], value);
                }
            }
            yield break;
        }
        if (ValueOf(family) is { } single)
        {
            yield return new MetricSample(family.Name, [Backup], single);
        }
    }

    private KeyValuePair<string, string> Backup => new(MetricNames.BackupLabel, Section);

    /// <summary>The families with one sample per section (no label but <c>backup</c>): how to read and set each value.</summary>
    private static readonly Dictionary<string, (Func<SectionMetrics, double?> Get, Func<SectionMetrics, double, SectionMetrics> Set)> Singles =
        new(StringComparer.Ordinal)
        {
            [MetricNames.LastSuccess.Name] = (m => m.LastSuccess, (m, v) => m with { LastSuccess = v }),
            [MetricNames.LastAttempt.Name] = (m => m.LastAttempt, (m, v) => m with { LastAttempt = v }),
            [MetricNames.LastDuration.Name] = (m => m.LastDuration, (m, v) => m with { LastDuration = v }),
            [MetricNames.LastTransferredBytes.Name] = (m => m.LastTransferredBytes, (m, v) => m with { LastTransferredBytes = v }),
            [MetricNames.LastTransferredFiles.Name] = (m => m.LastTransferredFiles, (m, v) => m with { LastTransferredFiles = v }),
            [MetricNames.Snapshots.Name] = (m => m.Snapshots, (m, v) => m with { Snapshots = v }),
            [MetricNames.OldestSnapshot.Name] = (m => m.OldestSnapshot, (m, v) => m with { OldestSnapshot = v }),
            [MetricNames.NewestSnapshot.Name] = (m => m.NewestSnapshot, (m, v) => m with { NewestSnapshot = v }),
            [MetricNames.Pruned.Name] = (m => m.Pruned, (m, v) => m with { Pruned = v }),
            [MetricNames.Decayed.Name] = (m => m.Decayed, (m, v) => m with { Decayed = v }),
            [MetricNames.MinFreeDeleted.Name] = (m => m.MinFreeDeleted, (m, v) => m with { MinFreeDeleted = v }),
            [MetricNames.VolumeAvailable.Name] = (m => m.VolumeAvailable is { } available ? (available ? 1 : 0) : null, (m, v) => m with { VolumeAvailable = v != 0 }),
            [MetricNames.VolumeSize.Name] = (m => m.VolumeSize, (m, v) => m with { VolumeSize = v }),
            [MetricNames.VolumeFree.Name] = (m => m.VolumeFree, (m, v) => m with { VolumeFree = v }),
        };

    private double? ValueOf(MetricFamily family) => Singles.TryGetValue(family.Name, out var single) ? single.Get(this) : null;

    /// <summary>The sections of a file's samples, by the <c>backup</c> label; samples of other names or without it are dropped.</summary>
    public static Dictionary<string, SectionMetrics> FromSamples(IEnumerable<MetricSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var sections = new Dictionary<string, SectionMetrics>(StringComparer.Ordinal);
        foreach (var sample in samples)
        {
            if (sample.Label(MetricNames.BackupLabel) is not { } name || double.IsNaN(sample.Value))
            {
                continue;
            }
            var section = sections.TryGetValue(name, out var s) ? s : new SectionMetrics(name);
            sections[name] = section.With(sample);
        }
        return sections;
    }

    private SectionMetrics With(MetricSample sample)
    {
        var v = sample.Value;
        var name = sample.Name;
        if (name == MetricNames.LastOutcome.Name)
        {
            return v == 1 && sample.Label(MetricNames.OutcomeLabel) is { } outcome ? this with { LastOutcome = outcome } : this;
        }
        if (name == MetricNames.CopyLastSuccess.Name || name == MetricNames.CopyLag.Name)
        {
            if (sample.Label(MetricNames.TargetLabel) is not { } target)
            {
                return this;
            }
            var copies = Copies.ToList();
            var index = copies.FindIndex(c => c.Target == target);
            var copy = index >= 0 ? copies[index] : new CopyMetrics(target);
            copy = name == MetricNames.CopyLag.Name ? copy with { Lag = v } : copy with { LastSuccess = v };
            if (index >= 0)
            {
                copies[index] = copy;
            }
            else
            {
                copies.Add(copy);
            }
            return this with { Copies = copies };
        }
        return Singles.TryGetValue(name, out var single) ? single.Set(this, v) : this;
    }

    /// <summary>The file's text for <paramref name="sections"/>: per family (in <see cref="MetricNames.All"/> order) every section's samples, sections by name.</summary>
    public static string Format(IEnumerable<SectionMetrics> sections)
    {
        var ordered = sections.OrderBy(s => s.Section, StringComparer.Ordinal).ToList();
        return PrometheusText.Format(MetricNames.All.Select(f => (f, (IReadOnlyList<MetricSample>)ordered.SelectMany(s => s.SamplesOf(f)).ToList())));
    }
}
