using System.Globalization;

namespace SnapshotBackup.Tests.Reliability;

/// <summary>Counters every reliability test adds to; the summary line is printed once at the end of the run.</summary>
internal static class Figures
{
    private static readonly object Gate = new();
    private static readonly HashSet<string> Injected = [];
    private static readonly HashSet<string> Survived = [];

    public static int FuzzInputs;
    public static int FuzzCrashes;
    public static int FuzzHangs;
    public static long BytesLost;
    public static int StrayWrites;
    public static double? SoakRssPercent;
    public static int? SoakFds;
    public static int? SoakThreads;

    /// <summary>Records that a fault was injected; call <see cref="Survive"/> once every invariant held.</summary>
    public static void Inject(string fault)
    {
        lock (Gate)
        {
            Injected.Add(fault);
        }
    }

    public static void Survive(string fault)
    {
        lock (Gate)
        {
            Injected.Add(fault);
            Survived.Add(fault);
        }
    }

    public static string SummaryLine()
    {
        lock (Gate)
        {
            var c = CultureInfo.InvariantCulture;
            var soak = SoakRssPercent is { } rss
                ? string.Create(c, $"soak RSS {rss:+0;-0;+0} %, fds {SoakFds:+0;-0;+0}, threads {SoakThreads:+0;-0;+0}")
                : "soak not run";
            return string.Create(c,
                $"reliability: faults {Survived.Count}/{Injected.Count} survived, fuzz {FuzzInputs:N0} inputs: {FuzzCrashes} crashes, {FuzzHangs} hangs; bytes lost {BytesLost}; stray writes {StrayWrites}; {soak}");
        }
    }
}

/// <summary>Prints the summary line after every reliability test has run (and keeps a copy next to the test output).</summary>
[SetUpFixture]
public sealed class ReliabilitySummary
{
    [OneTimeTearDown]
    public void Print()
    {
        var line = Figures.SummaryLine();
        TestContext.Progress.WriteLine(line);
        Console.WriteLine(line);
        try
        {
            File.WriteAllText(Path.Combine(AppContext.BaseDirectory, "reliability-summary.txt"), line + "\n");
        }
        catch (IOException)
        {
        }
    }
}
