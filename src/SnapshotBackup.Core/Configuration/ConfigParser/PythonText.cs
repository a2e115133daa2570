using System.Globalization;
using System.Text;

namespace SnapshotBackup.Core.Configuration.ConfigParser;

/// <summary>Python's <c>str</c> operations that configparser relies on, where .NET's differ.</summary>
internal static class PythonText
{
    /// <summary>
    /// Python's whitespace (<c>str.isspace()</c>, <c>str.strip()</c> and <c>\s</c> in <c>re</c>), written out because
    /// <see cref="char.IsWhiteSpace(char)"/> is another set (it lacks \x1c-\x1f).
    /// </summary>
    public static bool IsSpace(char c) => c switch
    {
        >= '\t' and <= '\r' => true,
        >= '\x1c' and <= ' ' => true,
        '\x85' or '\xa0' or '\u1680' => true,
        >= '\u2000' and <= '\u200a' => true,
        '\u2028' or '\u2029' or '\u202f' or '\u205f' or '\u3000' => true,
        _ => false,
    };

    public static string Strip(string s) => RStrip(LStrip(s));

    public static string LStrip(string s)
    {
        var start = 0;
        while (start < s.Length && IsSpace(s[start]))
        {
            start++;
        }
        return s[start..];
    }

    public static string RStrip(string s)
    {
        var end = s.Length;
        while (end > 0 && IsSpace(s[end - 1]))
        {
            end--;
        }
        return s[..end];
    }

    /// <summary>The index of the first non-whitespace character (<c>\S</c>), or 0 when there is none.</summary>
    public static int Indent(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (!IsSpace(s[i]))
            {
                return i;
            }
        }
        return 0;
    }

    /// <summary>
    /// Lines as Python's universal newlines split them: "\r\n", "\r" and "\n" end a line, nothing else does; a final
    /// terminator does not start another (empty) line.
    /// </summary>
    public static List<string> SplitLines(string text)
    {
        var lines = new List<string>();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] is '\n' or '\r')
            {
                lines.Add(text[start..i]);
                if (text[i] == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                {
                    i++;
                }
                start = i + 1;
            }
        }
        if (start < text.Length)
        {
            lines.Add(text[start..]);
        }
        return lines;
    }

    /// <summary>
    /// <c>str.lower()</c>: full lower-case mapping, so U+0130 becomes "i\u0307", and a capital sigma at the end of a
    /// word becomes final sigma (its context approximated by Unicode categories).
    /// </summary>
    public static string Lower(string s)
    {
        var result = new StringBuilder(s.Length);
        var index = 0;
        foreach (var rune in s.EnumerateRunes())
        {
            if (rune.Value == 0x130)
            {
                result.Append("i\u0307");
            }
            else if (rune.Value == 0x3A3)
            {
                result.Append(IsFinalSigma(s, index) ? 'ς' : 'σ');
            }
            else
            {
                result.Append(Rune.ToLowerInvariant(rune).ToString());
            }
            index += rune.Utf16SequenceLength;
        }
        return result.ToString();
    }

    // CPython's handle_capital_sigma: a cased letter before (skipping case-ignorables) and none after.
    private static bool IsFinalSigma(string s, int index)
    {
        var j = index - 1;
        while (j >= 0 && IsCaseIgnorable(s[j]))
        {
            j--;
        }
        if (j < 0 || !IsCased(s[j]))
        {
            return false;
        }
        j = index + 1;
        while (j < s.Length && IsCaseIgnorable(s[j]))
        {
            j++;
        }
        return j == s.Length || !IsCased(s[j]);
    }

    private static bool IsCased(char c) => char.GetUnicodeCategory(c) is
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter;

    private static bool IsCaseIgnorable(char c) =>
        c is '\'' or '.' or ':' or '^' or '`' or '\u00b7' or '\u2018' or '\u2019' or '\u2024' or '\u2027'
        || char.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark
            or UnicodeCategory.Format or UnicodeCategory.ModifierLetter or UnicodeCategory.ModifierSymbol;
}
