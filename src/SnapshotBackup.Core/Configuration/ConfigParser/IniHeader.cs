namespace SnapshotBackup.Core.Configuration.ConfigParser;

/// <summary>A section header as written (case kept), and its line.</summary>
internal sealed record IniHeader(string Section, int Line);
