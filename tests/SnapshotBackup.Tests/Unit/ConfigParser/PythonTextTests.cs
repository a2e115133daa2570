using System.Text.Json;
using SnapshotBackup.Core.Configuration.ConfigParser;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.Unit.ConfigParser;

/// <summary>
/// Python's whitespace set and str.lower(), compared with Python itself over every code point it knows (.NET may
/// know a newer Unicode version: characters unassigned in Python's are not compared).
/// </summary>
public class PythonTextTests
{
    private const string Script = """
        import json, sys, unicodedata
        chars = [c for c in range(0x110000) if not 0xd800 <= c < 0xe000]
        unassigned = []
        for c in chars:
            if unicodedata.category(chr(c)) == 'Cn':
                if unassigned and unassigned[-1][1] == c - 1:
                    unassigned[-1][1] = c
                else:
                    unassigned.append([c, c])
        json.dump({
            'unicode': unicodedata.unidata_version,
            'unassigned': unassigned,
            'space': [c for c in chars if chr(c).isspace()],
            'lower': [[c, chr(c).lower()] for c in chars if chr(c).lower() != chr(c) and c != 0x3a3],
        }, sys.stdout)
        """;

    [Test]
    public void Whitespace_and_lower_case_match_python_for_every_code_point()
    {
        var script = Path.Combine(Path.GetTempPath(), $"snapshotbackup-pythontext-{Environment.ProcessId}.py");
        File.WriteAllText(script, Script);
        Shell.Result result;
        try
        {
            result = Shell.Run("python3", script);
        }
        finally
        {
            File.Delete(script);
        }
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        using var json = JsonDocument.Parse(result.Output);

        var pythonSpace = json.RootElement.GetProperty("space").EnumerateArray().Select(e => (char)e.GetInt32()).ToList();
        var ourSpace = Enumerable.Range(0, 0x10000).Select(c => (char)c).Where(PythonText.IsSpace).ToList();
        Assert.That(ourSpace, Is.EqualTo(pythonSpace));

        var pythonLower = json.RootElement.GetProperty("lower").EnumerateArray()
            .ToDictionary(e => e[0].GetInt32(), e => e[1].GetString()!);
        var unassigned = new bool[0x110000];
        foreach (var range in json.RootElement.GetProperty("unassigned").EnumerateArray())
        {
            Array.Fill(unassigned, true, range[0].GetInt32(), range[1].GetInt32() - range[0].GetInt32() + 1);
        }
        var differences = new List<string>();
        for (var c = 0; c < 0x110000; c++)
        {
            if (c is >= 0xd800 and < 0xe000 or 0x3a3 || unassigned[c])
            {
                continue;
            }
            var text = char.ConvertFromUtf32(c);
            var expected = pythonLower.GetValueOrDefault(c, text);
            if (PythonText.Lower(text) != expected)
            {
                differences.Add($"U+{c:X4}: python {Hex(expected)}, ours {Hex(PythonText.Lower(text))}");
            }
        }
        TestContext.Out.WriteLine(
            $"str.lower() of Unicode {json.RootElement.GetProperty("unicode").GetString()}: {differences.Count} code points differ");
        Assert.That(differences, Is.Empty, string.Join("\n", differences.Take(20)));
        Assert.That(PythonText.Lower("ΑΣ ΑΣΑ Σ"), Is.EqualTo("ας ασα σ"), "final sigma as Python");
    }

    private static string Hex(string s) => string.Join(' ', s.EnumerateRunes().Select(r => $"U+{r.Value:X4}"));
}
