using System.Text;

namespace SnapshotBackup.Tests.Unit.ConfigParser;

/// <summary>
/// Random INI files aimed at configparser's corners: continuation lines starting with '/', '#', ';', spaces, tabs and
/// odd Unicode whitespace; both delimiters; comments; blank lines; BOM; CRLF and lone CR; duplicate and mixed-case
/// sections and keys; [DEFAULT] in several files; keys before any section; lines without a delimiter; empty values;
/// indented headers; invalid UTF-8. Reproducible from the seed.
/// </summary>
public sealed class IniFileGenerator(int seed)
{
    private static readonly string[] Headers =
    [
        "[data1]", "[data1]", "[Data1]", "[data2]", "[data3]", "[data4]", "[DEFAULT]", "[DEFAULT]", "[default]", "[ a ]",
        "[a] junk", "[a]b]", "[a:b]", "[\u00a0s\u00a0]", "[İ]", "[σ]", "[Σ]", "[s5]", "[s6]", "[s7]",
    ];

    private static readonly string[] Keys =
    [
        "source", "Source", "SOURCE", "backups", "ignore", "Ignore", "k", "K", "key with space", "İx", "ΑΣ", "ΑΣ b",
        "\u212a", "ǅ", "x\u00a0", "a;b", "a#b", "[k", "k]", "%(x)s", "ſource", "\u0130\u0307", "retain_all", "decay",
        "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "autoprune", "schedule", "notify_user",
    ];

    private static readonly string[] Delimiters = ["=", ":", " = ", " : ", "\t=\t", "\u00a0:", "=\u3000", "  =", ": "];

    private static readonly string[] Values =
    [
        "/srv/data", "/backups/data1", "'1 day'", "\"/a, b\"", "%(x)s", "100%%", "", "v ; not a comment", "v # no comment",
        "a = b", "a: b", "[x]", "/big1*,", "  spaced  ", "\u00a0nbsp\u00a0", "tab\there", "x\x1c", "\x1fy", "\u2028z",
        "\x0cform\x0b", "é", "\ufeffbom",
    ];

    private static readonly string[] Indents =
        [" ", "  ", "    ", "\t", "\t\t", " \t", "\u00a0", "\u3000", "\x1c", "\x1f", "\x0b", "\x0c", "\u2028", "\u2029", "\x85", "\u2003"];

    private static readonly string[] Continuations =
        ["/big1*,", "/big2*", "# comment", "; comment", "[x]", "k = v", "plain words", "\"/q, r\"", "=", ":", "/", "%(y)s"];

    private static readonly string[] Blanks = ["", " ", "\t", "\u00a0", "\u3000", "\x0c", "\x1c", "\u2028 "];

    private static readonly string[] Comments = ["# c", "; c", "  # indented", "\t; tabbed", "#", ";", "\u00a0# nbsp", "#[data1]"];

    private static readonly string[] Terminators = ["\n", "\r\n", "\r"];

    private readonly Random random = new(seed);

    /// <summary>One file's bytes.</summary>
    public byte[] Next()
    {
        var text = new StringBuilder();
        if (Chance(2))
        {
            text.Append('\ufeff');
        }
        var terminator = Pick(Terminators);
        var mixed = Chance(15);
        var started = Chance(95);
        var lastTerminator = "";
        if (started)
        {
            Line(Pick(Headers));
        }
        var count = random.Next(0, 14);
        for (var i = 0; i < count; i++)
        {
            var roll = random.Next(100);
            if (roll < 40)
            {
                Line(Pick(Keys) + Pick(Delimiters) + Pick(Values));
            }
            else if (roll < 62)
            {
                Line(Pick(Indents) + (Chance(20) ? Pick(Indents) : "") + Pick(Continuations));
            }
            else if (roll < 70)
            {
                Line(Pick(Blanks));
            }
            else if (roll < 77)
            {
                Line(Pick(Comments));
            }
            else if (roll < 89)
            {
                Line((Chance(20) ? Pick(Indents) : "") + Pick(Headers));
            }
            else if (roll < 90)
            {
                Line(Pick(["just words", "[]", "[x"]));
            }
            else if (roll < 91)
            {
                Line(Pick(Delimiters).TrimStart() + "value without key");
            }
            else
            {
                Line(Pick(Indents) + Pick(Keys) + Pick(Delimiters) + Pick(Values));
            }
        }
        if (Chance(20) && text.Length > 0)
        {
            // No terminator after the last line.
            text.Length -= lastTerminator.Length;
        }
        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        if (Chance(1) && bytes.Length > 0)
        {
            bytes[random.Next(bytes.Length)] = 0xff;
        }
        return bytes;

        void Line(string line)
        {
            lastTerminator = mixed ? Pick(Terminators) : terminator;
            text.Append(line).Append(lastTerminator);
        }
    }

    /// <summary>How many files a group reads together: mostly one, sometimes two or three.</summary>
    public int GroupSize() => random.Next(100) switch { < 60 => 1, < 85 => 2, _ => 3 };

    private bool Chance(int percent) => random.Next(100) < percent;

    private T Pick<T>(T[] items) => items[random.Next(items.Length)];
}
