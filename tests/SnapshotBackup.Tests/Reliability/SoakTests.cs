using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Core.Internal;
using SnapshotBackup.Core.Volume;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.Reliability;

/// <summary>
/// snapshotbackupd with three sections every 2 seconds and autoprune, for a few minutes (SOAK_MINUTES, default 3):
/// a burst of SIGHUPs, a kill -9 and a restart. Bounds: RSS +20 % after warm-up, fds ±5, threads ±10 (idle minima).
/// </summary>
public partial class SoakTests : ReliabilityTest
{
    private const int SIGHUP = 1;
    private const double RssBoundPercent = 20;
    private const int FdBound = 5;
    private const int ThreadBound = 10;
    private static readonly string[] Sections = ["data1", "data2", "data3"];

    private sealed record Sample(TimeSpan At, long RssKb, int Fds, int Threads);

    private sealed class Daemon
    {
        public required Process Process { get; init; }
        public ConcurrentQueue<string> Log { get; } = new();
        public List<Sample> Samples { get; } = [];
    }

    private string SourceOf(string section) => Path.Combine(Loop.Root, "src-" + section);

    private string BackupsOf(string section) => Path.Combine(Loop.Mount, "backups", section);

    private Daemon StartDaemon()
    {
        var process = StartInGroup(null, DaemonProcess.Executable,
            "-c", ConfigPath, "--state-file", Path.Combine(Loop.Root, "state.json"), "--log", "console");
        var daemon = new Daemon { Process = process };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                daemon.Log.Enqueue(line);
            }
        };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                daemon.Log.Enqueue(line);
            }
        };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return daemon;
    }

    private static Sample? Measure(Process process, TimeSpan at)
    {
        try
        {
            var status = File.ReadAllLines($"/proc/{process.Id}/status");
            long Field(string name) => long.Parse(
                status.First(l => l.StartsWith(name + ":", StringComparison.Ordinal))[(name.Length + 1)..].Trim().Split(' ')[0],
                CultureInfo.InvariantCulture);
            var fds = Directory.GetFileSystemEntries($"/proc/{process.Id}/fd").Length;
            return new Sample(at, Field("VmRSS"), fds, (int)Field("Threads"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return null;
        }
    }

    [Test]
    public void The_daemon_stays_flat_runs_no_job_twice_at_once_and_keeps_making_correct_snapshots()
    {
        const string fault = "daemon soak with SIGHUP burst, kill -9 and restart";
        Figures.Inject(fault);
        var minutes = double.TryParse(Environment.GetEnvironmentVariable("SOAK_MINUTES"), CultureInfo.InvariantCulture, out var m) && m > 0 ? m : 3;
        var total = TimeSpan.FromMinutes(minutes);
        var warmUp = TimeSpan.FromSeconds(Math.Min(40, total.TotalSeconds / 4));

        var config = new System.Text.StringBuilder("[DEFAULT]\nmax_concurrent = 3\n");
        foreach (var section in Sections)
        {
            Directory.CreateDirectory(SourceOf(section));
            for (var i = 0; i < 50; i++)
            {
                File.WriteAllText(Path.Combine(SourceOf(section), $"f{i}"), section + new string('x', i * 50));
            }
            config.Append(CultureInfo.InvariantCulture,
                $"[{section}]\nsource = {SourceOf(section)}\nbackups = {BackupsOf(section)}\nschedule = */2 * * * * ?\nautoprune = true\nautodecay = true\nretain_all = 1 minute\nretain_daily = 1 day\ndecay = 1 year\n");
        }
        File.WriteAllText(ConfigPath, config.ToString());
        foreach (var section in Sections)
        {
            CliOk("setup", section);
        }

        var clock = Stopwatch.StartNew();
        var first = StartDaemon();
        var hupAt = total * 0.45;
        var killAt = total * 0.7;
        Daemon? second = null;
        var hupped = false;
        var snapshotsAtKill = new Dictionary<string, int>();
        while (clock.Elapsed < total)
        {
            var current = second ?? first;
            Assert.That(current.Process.HasExited, Is.False, () => "the daemon died:\n" + string.Join('\n', current.Log.TakeLast(30)));
            if (Measure(current.Process, clock.Elapsed) is { } sample)
            {
                current.Samples.Add(sample);
            }
            if (!hupped && clock.Elapsed >= hupAt)
            {
                for (var i = 0; i < 10; i++)
                {
                    LibC.Kill(first.Process.Id, SIGHUP);
                    Thread.Sleep(30);
                }
                hupped = true;
            }
            if (second is null && clock.Elapsed >= killAt)
            {
                LibC.Kill(first.Process.Id, LibC.SIGKILL);
                Assert.That(first.Process.WaitForExit(30_000), Is.True);
                Assert.That(SurvivingRsync(), Is.Empty, "no rsync outlives the killed daemon");
                foreach (var section in Sections)
                {
                    snapshotsAtKill[section] = SnapshotsOf(section).Count;
                }
                second = StartDaemon();
            }
            Thread.Sleep(1000);
        }
        LibC.Kill(second!.Process.Id, LibC.SIGTERM);
        Assert.That(second.Process.WaitForExit(15_000), Is.True, "the daemon stops within 15 s of SIGTERM");
        Assert.That(SurvivingRsync(), Is.Empty);

        // Resources of the first daemon: warm-up window against the last window before the SIGHUPs/kill.
        var baseline = first.Samples.Where(s => s.At >= warmUp && s.At < warmUp + TimeSpan.FromSeconds(15)).ToList();
        var final = first.Samples.Where(s => s.At >= killAt - TimeSpan.FromSeconds(15) && s.At < killAt).ToList();
        Assert.That(baseline, Is.Not.Empty);
        Assert.That(final, Is.Not.Empty);
        var rss = (final.Average(s => s.RssKb) - baseline.Average(s => s.RssKb)) / baseline.Average(s => s.RssKb) * 100;
        var fds = final.Min(s => s.Fds) - baseline.Min(s => s.Fds);
        var threads = final.Min(s => s.Threads) - baseline.Min(s => s.Threads);
        Figures.SoakRssPercent = Math.Round(rss);
        Figures.SoakFds = fds;
        Figures.SoakThreads = threads;
        TestContext.Progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"soak {minutes} min: RSS {baseline.Average(s => s.RssKb):0} -> {final.Average(s => s.RssKb):0} kB ({rss:+0.0;-0.0} %), fds {baseline.Min(s => s.Fds)} -> {final.Min(s => s.Fds)}, threads {baseline.Min(s => s.Threads)} -> {final.Min(s => s.Threads)}"));

        var problems = new List<string>();
        foreach (var daemon in new[] { first, second })
        {
            problems.AddRange(Overlaps(daemon.Log));
            problems.AddRange(daemon.Log.Where(l => l.Contains(" ERR ", StringComparison.Ordinal) || l.Contains(" FTL ", StringComparison.Ordinal) || l.Contains("   at ", StringComparison.Ordinal)));
        }
        foreach (var section in Sections)
        {
            var made = Succeeded(first.Log, section);
            var madeAfter = Succeeded(second.Log, section);
            TestContext.Progress.WriteLine($"soak {section}: {made} backups before the kill, {madeAfter} after; {SnapshotsOf(section).Count} snapshots kept");
            if (made < 5 || madeAfter < 2)
            {
                problems.Add($"{section}: only {made} backups before the kill and {madeAfter} after");
            }
            var expected = HashTree(SourceOf(section));
            var listing = new BackupVolume(BackupsOf(section), BtrfsManager.Instance).List();
            problems.AddRange(listing.Skipped.Select(s => $"{section}: {s}"));
            foreach (var snapshot in listing.Snapshots)
            {
                var tree = HashTree(Path.Combine(BackupsOf(section), snapshot.Name));
                if (tree.Count != expected.Count || tree.Any(kv => !expected.TryGetValue(kv.Key, out var v) || v != kv.Value))
                {
                    problems.Add($"{section}/{snapshot.Name} differs from its source");
                }
            }
            if (listing.Snapshots.Count > 45)
            {
                problems.Add($"{section}: autoprune left {listing.Snapshots.Count} snapshots");
            }
        }
        Assert.That(problems, Is.Empty);
        Assert.That(rss, Is.LessThanOrEqualTo(RssBoundPercent), "RSS growth after warm-up");
        Assert.That(Math.Abs(fds), Is.LessThanOrEqualTo(FdBound), "open descriptors");
        Assert.That(Math.Abs(threads), Is.LessThanOrEqualTo(ThreadBound), "threads");
        Figures.Survive(fault);
    }

    private IReadOnlyList<string> SnapshotsOf(string section) =>
        VolumeSnapshots.Names(BackupsOf(section));

    private static int Succeeded(IEnumerable<string> log, string section) =>
        log.Count(l => l.Contains($" backup {section} succeeded", StringComparison.Ordinal));

    /// <summary>A section's "started" line followed by another "started" before its end line: two runs at once.</summary>
    private static IEnumerable<string> Overlaps(IEnumerable<string> log)
    {
        var running = new Dictionary<string, string>();
        foreach (var line in log)
        {
            var match = JobLine().Match(line);
            if (!match.Success)
            {
                continue;
            }
            var section = match.Groups["section"].Value;
            if (match.Groups["what"].Value == "started")
            {
                if (running.TryGetValue(section, out var earlier))
                {
                    yield return $"two runs of {section} at once:\n{earlier}\n{line}";
                }
                running[section] = line;
            }
            else
            {
                running.Remove(section);
            }
        }
    }

    [GeneratedRegex(@" backup (?<section>\S+) (?<what>started|succeeded|failed|skipped|interrupted)\b")]
    private static partial Regex JobLine();
}
