using Microsoft.Extensions.Configuration;

namespace SnapshotBackup.Core.Configuration.ConfigParser;

/// <summary>One INI file read like Python's configparser; add several to a builder to read them in order.</summary>
internal sealed class ConfigParserConfigurationSource(string path) : IConfigurationSource
{
    public string Path { get; } = path;

    public IConfigurationProvider Build(IConfigurationBuilder builder) => new ConfigParserConfigurationProvider(Path);
}
