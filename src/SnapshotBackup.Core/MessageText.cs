using System.Text;

namespace SnapshotBackup.Core;

/// <summary>Keeps messages for people short: a 200 kB value from a broken config is not echoed back whole.</summary>
public static class MessageText
{
    private const int LongestWord = 120;
    private const int Longest = 1000;

    /// <summary>Abbreviates every run of non-blank characters longer than 120 and the whole text beyond 1,000.</summary>
    /// <remarks>
    /// Control characters (a NUL from a damaged file) are shown as \xNN.</remarks>
    public static string Abbreviate(string message)
    {
        if (message.Any(c => char.IsControl(c) && c != '\n'))
        {
            var escaped = new StringBuilder(message.Length);
            foreach (var c in message)
            {
                if (char.IsControl(c) && c != '\n')
                {
                    escaped.Append("\\x").Append(((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
                }
                else
                {
                    escaped.Append(c);
                }
            }
            message = escaped.ToString();
        }
        if (message.Length <= LongestWord)
        {
            return message;
        }
        var builder = new StringBuilder();
        var start = 0;
        for (var i = 0; i <= message.Length; i++)
        {
            if (i < message.Length && !char.IsWhiteSpace(message[i]))
            {
                continue;
            }
            var word = message.AsSpan(start, i - start);
            if (word.Length > LongestWord)
            {
                builder.Append(word[..(LongestWord - 20)]).Append("…(").Append(word.Length).Append(" characters)");
            }
            else
            {
                builder.Append(word);
            }
            if (i < message.Length)
            {
                builder.Append(message[i]);
            }
            start = i + 1;
        }
        return builder.Length > Longest ? builder.ToString(0, Longest - 1) + "…" : builder.ToString();
    }
}
