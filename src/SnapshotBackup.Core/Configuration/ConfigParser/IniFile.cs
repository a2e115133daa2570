namespace SnapshotBackup.Core.Configuration.ConfigParser;

/// <summary>One file as configparser reads it: its headers and options in file order.</summary>
internal sealed class IniFile
{
    private readonly Dictionary<(string Section, string Key), IniOption> options = [];

    public IniFile(string path, IReadOnlyList<IniHeader> headers, IReadOnlyList<IniOption> optionsInOrder)
    {
        Path = path;
        Headers = headers;
        Options = optionsInOrder;
        foreach (var option in optionsInOrder)
        {
            options[(option.Section, option.Key)] = option;
        }
    }

    public string Path { get; }

    /// <summary>Every header in file order; [DEFAULT] may appear more than once, other sections once.</summary>
    public IReadOnlyList<IniHeader> Headers { get; }

    /// <summary>Every option in file order; a (section, key) pair appears once.</summary>
    public IReadOnlyList<IniOption> Options { get; }

    /// <summary>The option of <paramref name="section"/> (exact spelling) and <paramref name="key"/> (lower case).</summary>
    public IniOption? Find(string section, string key) => options.GetValueOrDefault((section, key));
}
