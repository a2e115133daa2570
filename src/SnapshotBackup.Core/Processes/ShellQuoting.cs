namespace SnapshotBackup.Core.Processes;

/// <summary>POSIX shell quoting, for the one place a shell reads our text (ssh's remote command) and for display.</summary>
public static class ShellQuoting
{
    /// <summary><paramref name="value"/> in single quotes (a quote inside as <c>'\''</c>): the shell runs nothing in it.</summary>
    public static string Quote(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }

    /// <summary>Like <see cref="Quote"/>, but a word of only safe characters stays bare (for readable logs).</summary>
    public static string QuoteIfNeeded(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:@,+%".Contains(c, StringComparison.Ordinal))
            ? value
            : Quote(value);
    }
}
