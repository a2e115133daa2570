using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using SnapshotBackup.Core.History;
using SnapshotBackup.Core.Processes;
using SnapshotBackup.Tests.Fixtures;
using SnapshotBackup.Tests.NormalUser;

namespace SnapshotBackup.Tests.History;

/// <summary>
/// versions and diff against the independent oracle (<see cref="TreeOracle"/>) on random change sequences
/// (<see cref="SourceMutator"/>, seeded; the seed is in every failure message; HISTORY_SEED=N repeats one): real
/// backups with the real CLI after each batch, then every ordered pair of snapshots (consecutive, far apart, B older
/// than A) by btrfs send and by the full compare, the versions of every path ever seen, the CLI's JSON, diff against
/// the source with its ignore patterns, and the full compare as a normal user.
/// </summary>
[NonParallelizable]
[Category("History")]
public class HistoryOracleTests : VolumeTest
{
    private int _seed;
    private SourceMutator _mutator = null!;

    private string Context => $"seed {_seed.ToString(CultureInfo.InvariantCulture)} (HISTORY_SEED={_seed} repeats it); changes: {string.Join("; ", _mutator.Log)}";

    [SetUp]
    public void Seed()
    {
        _seed = int.TryParse(Environment.GetEnvironmentVariable("HISTORY_SEED"), out var fixedSeed) ? fixedSeed : TestContext.CurrentContext.Random.Next();
        TestContext.Out.WriteLine($"seed {_seed}");
        WriteConfig("ignore = /ignored, *.tmp");
    }

    /// <summary>setup, a first backup of a populated source, then <paramref name="batches"/> batches of changes, each backed up.</summary>
    private List<(string Name, Dictionary<string, TreeOracle.Entry> Dump)> BuildHistory(int batches)
    {
        _mutator = new SourceMutator(Source, _seed);
        _mutator.Populate();
        CliOk("setup", "data1");
        CliOk("backup", "data1");
        var random = new Random(_seed);
        for (var i = 0; i < batches; i++)
        {
            _mutator.Mutate(random.Next(3, 14));
            _mutator.Log.Add("| backup");
            CliOk("backup", "data1");
        }
        return SnapshotNames().Select(n => (n, TreeOracle.Dump(Path.Combine(Backups, n)))).ToList();
    }

    private static List<string> Lines(IEnumerable<DiffEntry> entries) =>
        entries.Select(e => TreeOracle.Line(e.Path, e.Change.ToString().ToLowerInvariant(), e.Type.Name(), e.Detail?.Content ?? false, e.Detail?.Metadata ?? [])).ToList();

    private static List<string> JsonLines(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("entries").EnumerateArray().Select(e => TreeOracle.Line(
            e.GetProperty("path").GetString()!, e.GetProperty("change").GetString()!, e.GetProperty("type").GetString()!,
            e.TryGetProperty("content", out var c) && c.GetBoolean(),
            e.TryGetProperty("metadata", out var m) ? m.EnumerateArray().Select(f => f.GetString()!) : [])).ToList();
    }

    [Test]
    public async Task Diff_by_send_and_by_full_compare_and_versions_equal_the_oracle_for_every_pair_and_path()
    {
        var history = BuildHistory(6);
        Assert.That(history, Has.Count.EqualTo(7), Context);
        var runner = new ProcessRunner(NullLogger.Instance);
        var bySend = new SnapshotDiff(runner, NullLogger.Instance);
        var byWalk = new SnapshotDiff(runner, NullLogger.Instance) { CanSend = false };
        var changed = 0;
        for (var i = 0; i < history.Count; i++)
        {
            for (var j = 0; j < history.Count; j++)
            {
                var expected = TreeOracle.Diff(history[i].Dump, history[j].Dump);
                changed += expected.Count;
                var (a, b) = (Path.Combine(Backups, history[i].Name), Path.Combine(Backups, history[j].Name));
                var send = await bySend.BetweenSnapshotsAsync(a, b, CancellationToken.None);
                Assert.That(send.Method, Is.EqualTo(DiffResult.BtrfsSend), $"{send.Reason}; {Context}");
                Assert.That(Lines(send.Entries), Is.EqualTo(expected), $"btrfs send, snapshot {i} → {j}; {Context}");
                Assert.That(send.Unreadable, Is.Empty);
                var walk = await byWalk.BetweenSnapshotsAsync(a, b, CancellationToken.None);
                Assert.That(walk.Method, Is.EqualTo(DiffResult.FullCompare));
                Assert.That(walk.Reason, Is.EqualTo("btrfs send needs root"));
                Assert.That(Lines(walk.Entries), Is.EqualTo(expected), $"full compare, snapshot {i} → {j}; {Context}");
            }
        }
        Assert.That(changed, Is.GreaterThan(0), "the random changes changed something");

        var paths = history.SelectMany(h => h.Dump.Keys).Distinct().Append("no/such/path").Append("d1/link/sub").Order(StringComparer.Ordinal).ToList();
        var snapshots = history.Select(h => (h.Name, Path.Combine(Backups, h.Name))).ToList();
        foreach (var path in paths)
        {
            var (versions, unreadable) = VersionFinder.Find(snapshots, path);
            Assert.That(unreadable, Is.Empty);
            Assert.That(versions.Select(v => TreeOracle.VersionLine(v.First, v.Last, v.Count, v.State?.Type.Name(), v.State?.Type == EntryType.File ? v.State.Size : 0)),
                Is.EqualTo(TreeOracle.Versions(history, path)), $"versions of {path}; {Context}");
        }
        TestContext.Out.WriteLine($"{history.Count * history.Count} pairs ({changed} changes), {paths.Count} paths compared");

        // The real CLI: the same answers in its JSON, and the method it took.
        foreach (var (i, j) in new[] { (0, history.Count - 1), (history.Count - 1, 1), (2, 3) })
        {
            var cli = CliOk("diff", "data1", history[i].Name, history[j].Name, "--json");
            Assert.That(JsonLines(cli.Output), Is.EqualTo(TreeOracle.Diff(history[i].Dump, history[j].Dump)), $"CLI diff {i} → {j}; {Context}");
            Assert.That(cli.Output, Does.Contain("\"method\": \"btrfs-send\""));
            Assert.That(cli.Error, Does.Contain("btrfs send listed"));
        }
        foreach (var path in paths.Where((_, k) => k % 7 == 0).Take(4))
        {
            var cli = CliOk("versions", "data1", path, "--json");
            using var doc = JsonDocument.Parse(cli.Output);
            var lines = doc.RootElement.GetProperty("versions").EnumerateArray().Select(v => TreeOracle.VersionLine(
                v.GetProperty("first").GetString()!, v.GetProperty("last").GetString()!, v.GetProperty("snapshots").GetInt32(),
                v.GetProperty("absent").GetBoolean() ? null : v.GetProperty("type").GetString(),
                v.GetProperty("absent").GetBoolean() ? 0 : v.GetProperty("size").GetInt64()));
            Assert.That(lines, Is.EqualTo(TreeOracle.Versions(history, path)), $"CLI versions {path}; {Context}");
        }
    }

    [Test]
    public void Diff_against_the_source_equals_the_oracle_and_leaves_out_ignored_paths()
    {
        var history = BuildHistory(2);
        _mutator.Log.Add("| no backup");
        _mutator.Mutate(12, restoreMtimes: false); // the quick check (equal metadata = equal bytes) needs mtimes that change
        var source = TreeOracle.Dump(Source).Where(p => !Ignored(p.Key)).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        Assert.That(TreeOracle.Dump(Source).Keys, Has.Some.Matches<string>(Ignored), "the source has ignored paths to leave out");
        var cli = CliOk("diff", "data1", history[^1].Name, "--json");
        Assert.That(JsonLines(cli.Output), Is.EqualTo(TreeOracle.Diff(history[^1].Dump, source)), Context);
        Assert.That(cli.Output, Does.Contain("\"method\": \"full-compare\"").And.Contain("\"reason\": \"B is the source\""));
        Assert.That(cli.Error, Does.Contain("diff: full compare: B is the source"));
    }

    private static bool Ignored(string path) =>
        path == "ignored" || path.StartsWith("ignored/", StringComparison.Ordinal) || path.Split('/').Any(c => c.EndsWith(".tmp", StringComparison.Ordinal));

    [Test]
    [Category("NormalUser")]
    public void As_a_normal_user_diff_takes_the_full_compare_and_gives_the_same_answer()
    {
        var user = NormalUserAccount.Ensure();
        var history = BuildHistory(3);
        Shell.Check("chmod", "755", Loop.Root);
        foreach (var (i, j) in new[] { (0, 3), (3, 1) })
        {
            var result = Shell.Run("setpriv", [.. NormalUserAccount.AsUser(user), "dotnet", CliProcess.Dll, "-c", ConfigPath, "diff", "data1", history[i].Name, history[j].Name, "--json"],
                new Dictionary<string, string> { ["HOME"] = Loop.Root, ["USER"] = user.Name, ["LOGNAME"] = user.Name }, TimeSpan.FromMinutes(3));
            Assert.That(result.ExitCode, Is.Zero, result.ToString());
            Assert.That(result.Error, Does.Contain("diff: full compare: btrfs send needs root"));
            Assert.That(result.Output, Does.Contain("\"method\": \"full-compare\""));
            Assert.That(JsonLines(result.Output), Is.EqualTo(TreeOracle.Diff(history[i].Dump, history[j].Dump)), $"as {user.Name}, {i} → {j}; {Context}");
        }
    }
}
