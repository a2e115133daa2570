namespace SnapshotBackup.Core.Volume;

/// <summary>Backup snapshots are named by their finish time: ISO-8601 to the second with the UTC offset.</summary>
public static class SnapshotName
{
    /// <summary>Formats e.g. <c>2026-11-24T18:07:43+01:00</c>.</summary>
    public static string Format(DateTimeOffset time) => throw new NotImplementedException();

    /// <summary>True only for names exactly in the format <see cref="Format"/> writes.</summary>
    public static bool TryParse(string name, out DateTimeOffset time) => throw new NotImplementedException();
}
