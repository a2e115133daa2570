using System.Globalization;

namespace SnapshotBackup.Core.Rsync;

/// <summary>Reads the two things the engine wants from rsync's output: overall progress and the bytes transferred.</summary>
public static class RsyncOutputParser
{
    /// <summary>A <c>--info=progress2</c> line, e.g. <c>  1,234,567  42%  12.34MB/s  0:00:12 (xfr#5, to-chk=10/100)</c>.</summary>
    public static int? ParsePercent(string chunk)
    {
        var percent = chunk.IndexOf('%', StringComparison.Ordinal);
        if (percent <= 0)
        {
            return null;
        }
        var start = percent;
        while (start > 0 && char.IsAsciiDigit(chunk[start - 1]))
        {
            start--;
        }
        return start < percent && int.TryParse(chunk.AsSpan(start, percent - start), NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : null;
    }

    /// <summary>
    /// A count of <c>--stats</c>: <c>Number of created files: 2,001 (reg: 2,000, dir: 1)</c> with
    /// <paramref name="label"/> <c>Number of created files:</c> is 2001; null for another line.
    /// </summary>
    public static long? ParseCount(string chunk, string label)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        ArgumentNullException.ThrowIfNull(label);
        if (!chunk.StartsWith(label, StringComparison.Ordinal))
        {
            return null;
        }
        var rest = chunk.AsSpan(label.Length);
        var parenthesis = rest.IndexOf('(');
        if (parenthesis >= 0)
        {
            rest = rest[..parenthesis];
        }
        var digits = new string(rest.ToArray().Where(char.IsAsciiDigit).ToArray());
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? count : null;
    }

    /// <summary><c>Total transferred file size: 1,234 bytes</c> is 1234; null for another line.</summary>
    public static long? ParseTransferredBytes(string chunk) => ParseCount(chunk, "Total transferred file size:");

    /// <summary>
    /// An <c>--itemize-changes</c> line: <c>*deleting   path</c>, or an 11-character code (update type, file type, nine
    /// attribute letters) and the path, e.g. <c>&gt;f+++++++++ a/b</c> or <c>cd..t...... dir/</c>.
    /// </summary>
    public static bool IsItemizedChange(string chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        if (chunk.StartsWith("*deleting ", StringComparison.Ordinal))
        {
            return true;
        }
        return chunk.Length > 12 && chunk[11] == ' ' && chunk[0] is '<' or '>' or 'c' or 'h' or '.' && chunk[1] is 'f' or 'd' or 'L' or 'D' or 'S';
    }
}
