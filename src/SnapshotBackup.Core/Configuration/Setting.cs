namespace SnapshotBackup.Core.Configuration;

/// <summary>A value and where it was set: the file and the section (the backup's own, or DEFAULT).</summary>
internal sealed record Setting(string File, string Section, string Key, string Value, string Raw)
{
    public ConfigException Invalid(string expected) =>
        new($"{File}: [{Section}] {Key} = '{Value}': {expected}");
}
