namespace SnapshotBackup.Core.Configuration.ConfigParser;

/// <summary>What configparser would have raised; the names match its exception classes.</summary>
internal enum IniSyntaxKind
{
    MissingSectionHeaderError,
    DuplicateSectionError,
    DuplicateOptionError,
    ParsingError,
    UnicodeDecodeError,
}
