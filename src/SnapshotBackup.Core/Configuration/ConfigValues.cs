using System.Text;

namespace SnapshotBackup.Core.Configuration;

/// <summary>Value conventions shared by the configuration keys.</summary>
internal static class ConfigValues
{
    /// <summary>Removes one pair of surrounding single or double quotes.</summary>
    public static string StripQuotes(string value)
    {
        var v = value.Trim();
        return v.Length > 1 && (v[0] == '\'' || v[0] == '"') && v[^1] == v[0] ? v[1..^1] : v;
    }

    /// <summary>As the original: exactly <c>1</c>, <c>true</c> or <c>True</c> is true, everything else false.</summary>
    public static bool IsTrue(string value) => value is "1" or "true" or "True";

    /// <summary>
    /// A list separated by commas and line breaks (a value continued on indented lines), with CSV double-quote quoting;
    /// entries trimmed, empty ones dropped.
    /// </summary>
    public static IReadOnlyList<string> SplitList(string value)
    {
        var items = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (quoted)
            {
                if (c != '"')
                {
                    current.Append(c);
                }
                else if (i + 1 < value.Length && value[i + 1] == '"')
                {
                    current.Append('"');
                    i++;
                }
                else
                {
                    quoted = false;
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c is ',' or '\n')
            {
                Add(items, current);
            }
            else
            {
                current.Append(c);
            }
        }
        Add(items, current);
        return items;
    }

    private static void Add(List<string> items, StringBuilder current)
    {
        var item = current.ToString().Trim();
        if (item.Length > 0)
        {
            items.Add(item);
        }
        current.Clear();
    }
}
