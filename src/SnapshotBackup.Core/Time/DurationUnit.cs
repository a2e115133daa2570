namespace SnapshotBackup.Core.Time;

/// <summary>The units a configured duration may use. Months and years are calendar months and years.</summary>
public enum DurationUnit
{
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
}
