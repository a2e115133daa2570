namespace SnapshotBackup.Core.Configuration;

/// <summary>Bad configuration or usage: one clear message, exit code 2, nothing changed.</summary>
public sealed class ConfigException : Exception
{
    public ConfigException(string message) : base(MessageText.Abbreviate(message))
    {
    }

    public ConfigException(string message, Exception inner) : base(MessageText.Abbreviate(message), inner)
    {
    }

    public ConfigException()
    {
    }
}
