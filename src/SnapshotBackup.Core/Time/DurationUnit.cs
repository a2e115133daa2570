namespace SnapshotBackup.Core.Time;

/// <summary>
/// The units a configured duration may use. Months, years and decades are calendar units (whole numbers only); the
/// others are fixed lengths on the wall clock (fractions allowed).
/// </summary>
public enum DurationUnit
{
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
    Second,
    Decade,
}
