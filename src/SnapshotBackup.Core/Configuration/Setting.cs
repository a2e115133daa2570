namespace SnapshotBackup.Core.Configuration;

/// <summary>
/// A value and where it was set: the file, line and section (the backup's own, or DEFAULT). <see cref="Raw"/> is the
/// value as configparser reads it; <see cref="Value"/> is trimmed with one pair of surrounding quotes removed.
/// </summary>
internal sealed record Setting(string File, int Line, string Section, string Key, string Value, string Raw)
{
    public ConfigException Invalid(string expected) =>
        new($"{File}: [{Section}] {Key} = '{Value}': {expected}");
}
