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

/// <summary>A configured span such as <c>1 day</c>, <c>'2 weeks'</c> or <c>3 months ago</c>.</summary>
public readonly record struct Duration(int Count, DurationUnit Unit)
{
    /// <summary>Parses <c>N unit</c> (singular or plural, optional trailing <c>ago</c>, optional surrounding quotes).</summary>
    /// <exception cref="FormatException">with a message saying what is accepted.</exception>
    public static Duration Parse(string text) => throw new NotImplementedException();

    /// <summary>The instant this duration before <paramref name="now"/>, counting calendar months and years.</summary>
    public DateTimeOffset Before(DateTimeOffset now) => throw new NotImplementedException();
}
