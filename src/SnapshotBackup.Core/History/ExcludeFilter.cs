using System.Text;
using System.Text.RegularExpressions;

namespace SnapshotBackup.Core.History;

/// <summary>
/// The section's <c>ignore</c> patterns as rsync reads them in <c>--exclude=PATTERN</c> (relative to the source's top):
/// a leading <c>/</c> anchors at the top; a trailing <c>/</c> matches directories only; a pattern with a <c>/</c> inside
/// or <c>**</c> matches the end of the path at a component boundary (or the whole path when anchored), any other the
/// last component; <c>*</c> and <c>?</c> stop at <c>/</c>, <c>**</c> does not, <c>[...]</c> is a class, <c>dir/***</c> is
/// <c>dir</c> and everything below. An excluded directory's contents are never looked at (the walk does not descend).
/// </summary>
public sealed class ExcludeFilter
{
    private readonly List<(Regex Pattern, bool DirectoryOnly, bool WholePath)> _rules = [];

    public ExcludeFilter(IEnumerable<string> patterns)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        foreach (var raw in patterns)
        {
            var pattern = raw;
            if (pattern.Length == 0)
            {
                continue;
            }
            var directoryOnly = false;
            while (pattern.Length > 1 && pattern.EndsWith('/') && !pattern.EndsWith("***", StringComparison.Ordinal))
            {
                pattern = pattern[..^1];
                directoryOnly = true;
            }
            var anchored = pattern.StartsWith('/');
            if (anchored)
            {
                pattern = pattern[1..];
            }
            var wholePath = anchored || pattern.Contains('/', StringComparison.Ordinal) || pattern.Contains("**", StringComparison.Ordinal);
            var body = Translate(pattern);
            var regex = anchored ? "^" + body + "$" : wholePath ? "(?:^|/)" + body + "$" : "^" + body + "$";
            _rules.Add((new Regex(regex, RegexOptions.CultureInvariant | RegexOptions.Singleline), directoryOnly, wholePath));
        }
    }

    public bool IsEmpty => _rules.Count == 0;

    /// <summary>True when rsync would exclude <paramref name="path"/> (relative, no leading slash) itself.</summary>
    public bool Excludes(string path, bool isDirectory)
    {
        ArgumentNullException.ThrowIfNull(path);
        var name = path[(path.LastIndexOf('/') + 1)..];
        foreach (var (pattern, directoryOnly, wholePath) in _rules)
        {
            if (directoryOnly && !isDirectory)
            {
                continue;
            }
            if (pattern.IsMatch(wholePath ? path : name))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>rsync's wildcards as a regular expression.</summary>
    private static string Translate(string pattern)
    {
        var hasWildcards = pattern.AsSpan().IndexOfAny("*?[") >= 0;
        if (!hasWildcards)
        {
            return Regex.Escape(pattern);
        }
        var builder = new StringBuilder();
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '/' && string.CompareOrdinal(pattern, i, "/***", 0, 4) == 0 && i + 4 == pattern.Length)
            {
                builder.Append("(?:/.*)?");
                break;
            }
            switch (c)
            {
                case '*' when i + 1 < pattern.Length && pattern[i + 1] == '*':
                    builder.Append(".*");
                    while (i + 1 < pattern.Length && pattern[i + 1] == '*')
                    {
                        i++;
                    }
                    break;
                case '*':
                    builder.Append("[^/]*");
                    break;
                case '?':
                    builder.Append("[^/]");
                    break;
                case '[':
                    var end = pattern.IndexOf(']', i + 2);
                    if (end < 0)
                    {
                        builder.Append("\\[");
                        break;
                    }
                    var set = pattern[(i + 1)..end];
                    builder.Append('[').Append(set[0] == '!' ? "^" + Escape(set[1..]) : Escape(set)).Append(']');
                    i = end;
                    break;
                case '\\' when i + 1 < pattern.Length:
                    builder.Append(Regex.Escape(pattern[++i].ToString()));
                    break;
                default:
                    builder.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }
        return builder.ToString();
    }

    private static string Escape(string set) => set.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("[", "\\[", StringComparison.Ordinal);
}
