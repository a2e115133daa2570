namespace SnapshotBackup.Core.Configuration;

/// <summary>The rule for backup (section) names: letters, digits, <c>_</c>, <c>.</c> and <c>-</c>, but not <c>.</c> or <c>..</c>.</summary>
public static class BackupName
{
    public const string Rule = "allowed are letters, digits, '_', '.' and '-' (but not '.' or '..')";

    public static bool IsValid(string? name) =>
        !string.IsNullOrEmpty(name) && name is not "." and not ".." && name.All(IsAllowed);

    /// <summary>Why <paramref name="name"/> is not a valid backup name.</summary>
    public static string Problem(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Contains('/', StringComparison.Ordinal)
            ? $"invalid backup name '{name}': it must not contain '/'; {Rule}"
            : $"invalid backup name '{name}': {Rule}";
    }

    private static bool IsAllowed(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-';
}
