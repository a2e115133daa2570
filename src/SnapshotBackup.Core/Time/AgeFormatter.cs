namespace SnapshotBackup.Core.Time;

/// <summary>Ages in words for people: <c>3 hours</c>, <c>2 days and 4 hours</c>.</summary>
public static class AgeFormatter
{
    public static string Format(TimeSpan age) => throw new NotImplementedException();
}
