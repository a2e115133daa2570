using SnapshotBackup.Core.Time;

namespace SnapshotBackup.Core.Retention;

public sealed record RetentionSettings(Duration RetainAll, Duration RetainDaily, Duration Decay)
{
    public static RetentionSettings Default { get; } =
        new(new Duration(1, DurationUnit.Day), new Duration(1, DurationUnit.Month), new Duration(1, DurationUnit.Year));
}
