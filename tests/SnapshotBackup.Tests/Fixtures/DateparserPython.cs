namespace SnapshotBackup.Tests.Fixtures;

/// <summary>
/// The original tool's date arithmetic as an oracle: a Python script run by Debian's interpreter (the one
/// python3-dateparser is installed for; a python3 earlier on PATH may not have it) with the local zone set by TZ, and
/// <c>dateparser</c>'s idea of now pinned to each case's <c>pinned</c> (set by the script before each parse).
/// </summary>
public static class DateparserPython
{
    public const string Interpreter = "/usr/bin/python3";

    /// <summary>The script's start: imports, and <c>datetime.now</c> inside dateparser replaced by the global <c>pinned</c>.</summary>
    public const string Preamble = """
        import datetime as _dt, json, sys, warnings
        warnings.simplefilter('ignore')
        import dateparser, dateparser.freshness_date_parser as fdp
        pinned = None
        class PinnedNow(_dt.datetime):
            @classmethod
            def now(cls, tz=None):
                return pinned.astimezone(tz)
        fdp.datetime = PinnedNow

        """;

    /// <summary>Runs <see cref="Preamble"/> + <paramref name="body"/> on <paramref name="inputJson"/> (its argv[1]) in <paramref name="zone"/>; its stdout.</summary>
    public static string Run(string directory, string body, string inputJson, string zone)
    {
        var script = Path.Combine(directory, "oracle.py");
        var input = Path.Combine(directory, "cases.json");
        File.WriteAllText(script, Preamble + body);
        File.WriteAllText(input, inputJson);
        var result = Shell.Run(Interpreter, [script, input], new Dictionary<string, string> { ["TZ"] = zone }, TimeSpan.FromMinutes(5));
        Assert.That(result.ExitCode, Is.Zero, $"python3 with dateparser (python3-dateparser, installed by tests/run.sh): {result}");
        return result.Output;
    }
}
