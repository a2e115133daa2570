using Microsoft.Extensions.Configuration;

namespace SnapshotBackup.Core.Configuration.ConfigParser;

/// <summary>
/// Fills <see cref="ConfigurationProvider.Data"/> with <c>section:key</c> = value from one file read by
/// <see cref="ConfigParserReader"/>, and keeps the parsed file for lines and section spellings.
/// </summary>
internal sealed class ConfigParserConfigurationProvider(string path) : ConfigurationProvider
{
    public IniFile File { get; private set; } = new(path, [], []);

    /// <exception cref="ConfigException">The file cannot be read, or configparser would refuse it.</exception>
    public override void Load()
    {
        try
        {
            File = ConfigParserReader.Read(path);
        }
        catch (IniSyntaxException e)
        {
            throw new ConfigException(e.Message, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"cannot read config file {path}: {e.Message}", e);
        }
        // Case-insensitive like every provider: [data1] and [Data1] share keys here; ConfigReader refuses that pair.
        Data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var option in File.Options)
        {
            Data[ConfigurationPath.Combine(option.Section, option.Key)] = option.Value;
        }
    }
}
