namespace SnapshotBackup.Tests.Unit.ConfigParser;

/// <summary>What reading a group of files gave: the error class, or [DEFAULT] and the sections with raw values in order.</summary>
public sealed record IniReading(
    string? Error,
    IReadOnlyList<(string Key, string Value)> Defaults,
    IReadOnlyList<(string Name, List<(string Key, string Value)> Options)> Sections)
{
    public static IniReading Refused(string error) => new(error, [], []);

    public bool Equivalent(IniReading other) =>
        Error == other.Error
        && Defaults.SequenceEqual(other.Defaults)
        && Sections.Count == other.Sections.Count
        && Sections.Zip(other.Sections).All(p => p.First.Name == p.Second.Name && p.First.Options.SequenceEqual(p.Second.Options));

    public override string ToString() => Error is not null
        ? $"refused: {Error}"
        : $"DEFAULT {Show(Defaults)}; " + string.Join("; ", Sections.Select(s => $"[{Escape(s.Name)}] {Show(s.Options)}"));

    public static string Escape(string s) => string.Concat(s.Select(c =>
        c is >= ' ' and <= '~' ? c.ToString() : $"\\u{(int)c:x4}"));

    private static string Show(IEnumerable<(string Key, string Value)> options) =>
        "{" + string.Join(", ", options.Select(o => $"{Escape(o.Key)}={Escape(o.Value)}")) + "}";
}
