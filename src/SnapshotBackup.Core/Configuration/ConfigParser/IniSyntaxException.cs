namespace SnapshotBackup.Core.Configuration.ConfigParser;

/// <summary>A file configparser would refuse; the message names the file and line.</summary>
internal sealed class IniSyntaxException : Exception
{
    public IniSyntaxException(IniSyntaxKind kind, string message) : base(message) => Kind = kind;

    public IniSyntaxException()
    {
    }

    public IniSyntaxException(string message) : base(message)
    {
    }

    public IniSyntaxException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public IniSyntaxKind Kind { get; }
}
