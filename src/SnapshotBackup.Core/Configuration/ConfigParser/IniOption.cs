namespace SnapshotBackup.Core.Configuration.ConfigParser;

/// <summary>
/// One option: the section it is in, the key lower-cased like configparser's optionxform, the value as configparser
/// holds it (continuation lines joined with "\n", trailing whitespace removed) and the line of the key.
/// </summary>
internal sealed record IniOption(string Section, string Key, string Value, int Line);
