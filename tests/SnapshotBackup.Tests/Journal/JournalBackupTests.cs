using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Engine;
using SnapshotBackup.Core.Internal;
using SnapshotBackup.Core.Journal;
using SnapshotBackup.Tests.Fixtures;
using SnapshotBackup.Tests.History;

namespace SnapshotBackup.Tests.Journal;

/// <summary>
/// The differential test of journal backups, on a real btrfs with the real engine, rsync and fanotify: seeded random
/// sequences of changes (the history tests' mutator: files and directories created, rewritten to the same size, deleted,
/// renamed, swapped, hard-linked, xattr-, ACL-, mode-, owner- and mtime-only changes, symlinks retargeted, ignored files;
/// plus rewrites with the old mtime put back to the nanosecond and writes through a shared mapping of a file another
/// process holds open), each followed by a journal backup. After every one, the snapshot equals the source
/// (<c>rsync -naHAXc --delete</c> shows nothing: content by checksum) and equals a full-scan backup of the same state made
/// alongside (hard links, attributes, names; by rsync's own comparison). JOURNAL_SEED replays, JOURNAL_SEQUENCES sets
/// the count (default 200).
/// </summary>
[NonParallelizable]
public class JournalBackupTests
{
    private static readonly string[] Ignore = ["/ignored", "*.tmp"];

    [Test]
    public async Task Journal_backups_equal_the_source_and_a_full_scan_after_every_step_of_random_sequences()
    {
        var baseSeed = Environment.GetEnvironmentVariable("JOURNAL_SEED") is { Length: > 0 } s ? int.Parse(s, CultureInfo.InvariantCulture) : Random.Shared.Next(1_000_000);
        var sequences = Environment.GetEnvironmentVariable("JOURNAL_SEQUENCES") is { Length: > 0 } n ? int.Parse(n, CultureInfo.InvariantCulture) : 200;
        TestContext.Out.WriteLine($"journal seed {baseSeed} (replay with JOURNAL_SEED={baseSeed} JOURNAL_SEQUENCES={sequences})");
        using var disk = LoopBtrfs.Create("2G");
        var engine = BackupEngineFactory.Create(TimeProvider.System, NullLogger.Instance);
        var totals = new Totals();
        var watch = Stopwatch.StartNew();
        // Four sequences at a time (each its own source and volumes; every journal sees the others' events and drops them).
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, Parallelism).Select(_ => Task.Run(async () =>
        {
            for (var sequence = Interlocked.Increment(ref next); sequence < sequences; sequence = Interlocked.Increment(ref next))
            {
                await SequenceAsync(disk, engine, baseSeed + sequence, sequence, totals);
            }
        })));
        TestContext.Out.WriteLine($"{sequences} sequences in {watch.Elapsed.TotalSeconds:0} s: {totals.JournalRuns} journal backups, {totals.FullRuns} full scans " +
                                  $"after the first, {totals.Refreshed} same-mtime rewrites refreshed, {totals.Open} open-for-writing files added");
        Assert.That(totals.JournalRuns, Is.GreaterThan(sequences), "most backups after the first came from the journal");
    }

    private const int Parallelism = 4;

    private sealed class Totals
    {
        public int JournalRuns;
        public int FullRuns;
        public int Refreshed;
        public int Open;
    }

    private static async Task SequenceAsync(LoopBtrfs disk, BackupEngine engine, int seed, int sequence, Totals totals)
    {
        var root = Path.Combine(disk.Mount, "s" + seq(sequence));
        var source = Path.Combine(root, "src");
        Directory.CreateDirectory(source);
        var journalConfig = Config("j", source, Path.Combine(root, "j"));
        var fullConfig = Config("f", source, Path.Combine(root, "f"));
        Directory.CreateDirectory(journalConfig.Backups);
        Directory.CreateDirectory(fullConfig.Backups);
        var mutator = new SourceMutator(source, seed);
        mutator.Populate();
        var random = new Random(seed);
        using var journal = new SourceJournal(source, "the first backup");
        using var writers = new MappedWriters();
        var first = await BackupAsync(engine, journalConfig, journal);
        Assert.That(first.Plan, Is.Not.Null.And.Property(nameof(ScanPlan.Full)).True, "the first backup scans everything");
        var steps = 3;
        for (var step = 0; step < steps; step++)
        {
            var what = new List<string>();
            mutator.Mutate(random.Next(2, 9));
            what.AddRange(mutator.Log.Skip(mutator.Log.Count - 8));
            if (random.Next(3) == 0)
            {
                // Inside the ignored directory: never in a snapshot (rsync would copy it if it were listed).
                var inside = Path.Combine(source, "ignored", "sub" + random.Next(3));
                Directory.CreateDirectory(inside);
                File.WriteAllText(Path.Combine(inside, "f" + random.Next(5)), "ignored " + random.Next());
                what.Add("write below ignored/");
            }
            if (random.Next(3) == 0 && ExactMtimeRewrite(source, random) is { } rewritten)
            {
                what.Add("rewrite with the same mtime to the nanosecond " + rewritten);
            }
            if (random.Next(4) == 0 && writers.Start(source, random) is { } mapped)
            {
                what.Add("mmap write, kept open " + mapped);
            }
            if (random.Next(3) == 0 && writers.WriteMoreAndClose(random) is { } closed)
            {
                what.Add("mmap write, then closed " + closed);
            }
            var backup = await BackupAsync(engine, journalConfig, journal);
            var plan = backup.Plan!;
            if (plan.Full)
            {
                Interlocked.Increment(ref totals.FullRuns);
                Assert.That(plan.Reason, Does.Contain("hard links").Or.Contain("source directory itself"),
                    $"seed {seed} step {step}: an unexpected full scan: {plan.Reason}");
            }
            else
            {
                Interlocked.Increment(ref totals.JournalRuns);
                Interlocked.Add(ref totals.Refreshed, plan.List!.Refreshed);
                Interlocked.Add(ref totals.Open, plan.List.OpenForWriting);
            }
            var full = await BackupAsync(engine, fullConfig, null);
            var context = $"seed {seed} (JOURNAL_SEED={seed} JOURNAL_SEQUENCES=1), step {step}: {plan.Describe()}\nchanges: {string.Join("; ", what)}\n" +
                          $"listed: {string.Join(", ", plan.List?.Paths ?? [])}";
            AssertSame(source, Path.Combine(journalConfig.Backups, backup.Snapshot), checksum: true, "the journal backup differs from the source: " + context);
            AssertSame(Path.Combine(fullConfig.Backups, full.Snapshot), Path.Combine(journalConfig.Backups, backup.Snapshot), checksum: false,
                "the journal backup differs from the full scan's: " + context);
        }
        writers.Dispose();
        DeleteSubvolumes(root);
    }

    private static string seq(int sequence) => sequence.ToString("D3", CultureInfo.InvariantCulture);

    private static BackupConfig Config(string name, string source, string backups) =>
        new() { Name = name, Source = source, Backups = backups, Ignore = Ignore, AllowEmptySource = true };

    private sealed record Made(string Snapshot, ScanPlan? Plan);

    private static async Task<Made> BackupAsync(BackupEngine engine, BackupConfig config, SourceJournal? journal)
    {
        using var step = await engine.BackupAsync(config, new BackupRequest { Journal = journal }, CancellationToken.None);
        return new Made(step.SnapshotName!, step.Scan);
    }

    /// <summary>Same size, new bytes, and the old mtime put back exactly (nanoseconds): rsync's quick check sees no change.</summary>
    private static string? ExactMtimeRewrite(string source, Random random)
    {
        var files = Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/ignored", StringComparison.Ordinal) && LibC.LStatx(LibC.AT_FDCWD, f, out _) is { } i && (i.Mode & 0xF000) == 0x8000 && i.Size > 0)
            .Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
        {
            return null;
        }
        var file = files[random.Next(files.Count)];
        var before = LibC.LStatx(LibC.AT_FDCWD, file, out _)!.Value;
        var bytes = new byte[before.Size];
        random.NextBytes(bytes);
        File.WriteAllBytes(file, bytes);
        Shell.Check("touch", "-m", "-d", $"@{before.MtimeSeconds}.{before.MtimeNanoseconds:D9}", file);
        return Path.GetRelativePath(source, file);
    }

    /// <summary>rsync's comparison shows nothing; --delete-excluded: an ignored file in the snapshot shows as a difference.</summary>
    private static void AssertSame(string expected, string actual, bool checksum, string message)
    {
        var options = new List<string> { checksum ? "-naiHAXc" : "-naiHAX", "--delete", "--delete-excluded", "--numeric-ids" };
        options.AddRange(Ignore.Select(p => "--exclude=" + p));
        options.AddRange(["--", expected + "/", actual + "/"]);
        var compare = Shell.Run("rsync", options, null, TimeSpan.FromMinutes(2));
        Assert.That(compare.ExitCode, Is.Zero, compare.ToString());
        Assert.That(compare.Output.Trim(), Is.Empty, message);
    }

    private static void DeleteSubvolumes(string root)
    {
        foreach (var volume in new[] { "j", "f" })
        {
            var dir = Path.Combine(root, volume);
            var subvolumes = Directory.EnumerateDirectories(dir).ToList();
            if (subvolumes.Count > 0)
            {
                Shell.Check("btrfs", ["subvolume", "delete", .. subvolumes]);
            }
        }
        Directory.Delete(root, recursive: true);
    }
}

/// <summary>
/// Other processes writing files under the source through a shared mapping (python3's mmap): no write(2), so no fanotify
/// modify event. One maps a file and writes through the mapping, keeping it mapped (and its descriptor open, or closed
/// with the mapping kept); told to, it writes again through the mapping, then unmaps and exits.
/// </summary>
internal sealed class MappedWriters : IDisposable
{
    private const string Script = """
        import mmap, os, random, sys
        path, seed, keep_fd = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
        rng = random.Random(seed)
        fd = os.open(path, os.O_RDWR)
        size = os.fstat(fd).st_size
        m = mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        if not keep_fd:
            os.close(fd)
        def scribble():
            at = rng.randrange(size)
            n = min(size - at, 64)
            m[at:at + n] = bytes(rng.randrange(256) for _ in range(n))
            m.flush()
        scribble()
        print("ready", flush=True)
        sys.stdin.readline()
        scribble()
        m.close()
        if keep_fd:
            os.close(fd)
        print("done", flush=True)
        """;

    private readonly List<Process> _writers = [];

    /// <summary>Maps a random non-empty file and writes through the mapping; its relative path, or null.</summary>
    public string? Start(string source, Random random)
    {
        var files = Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/ignored", StringComparison.Ordinal) && !f.EndsWith(".tmp", StringComparison.Ordinal)
                        && LibC.LStatx(LibC.AT_FDCWD, f, out _) is { } i && (i.Mode & 0xF000) == 0x8000 && i.Size > 0 && i.Nlink == 1)
            .Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
        {
            return null;
        }
        var file = files[random.Next(files.Count)];
        var start = new ProcessStartInfo("python3", ["-c", Script, file, random.Next().ToString(CultureInfo.InvariantCulture), random.Next(2).ToString(CultureInfo.InvariantCulture)])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        };
        var process = Process.Start(start)!;
        _writers.Add(process);
        var line = process.StandardOutput.ReadLine();
        Assert.That(line, Is.EqualTo("ready"), "the mapped writer started");
        return Path.GetRelativePath(source, file);
    }

    /// <summary>The oldest writer writes once more through its mapping, unmaps and exits; null when there is none.</summary>
    public string? WriteMoreAndClose(Random random)
    {
        if (_writers.Count == 0)
        {
            return null;
        }
        var process = _writers[0];
        _writers.RemoveAt(0);
        var file = process.StartInfo.ArgumentList[2];
        process.StandardInput.WriteLine();
        process.StandardInput.Flush();
        var done = process.StandardOutput.ReadLine();
        Assert.That(process.WaitForExit(10_000), Is.True, "the mapped writer exits");
        process.Dispose();
        Assert.That(done, Is.EqualTo("done"));
        return file;
    }

    public void Dispose()
    {
        foreach (var process in _writers)
        {
            try
            {
                process.Kill();
                process.WaitForExit(5000);
            }
            catch (InvalidOperationException)
            {
                // already gone
            }
            process.Dispose();
        }
        _writers.Clear();
    }
}
