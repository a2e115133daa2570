using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.Bench;

/// <summary>
/// Runs the benchmark harness (bench/run.py) in its smoke mode so it cannot rot: a small tree, 100 snapshots, a short
/// daemon idle. Checks that it ran every figure and printed the table; the targets are not checked here (timings on a
/// shared test machine mean nothing). Uses the published binaries (tests/run.sh runs packaging/publish.sh first).
/// </summary>
[Category("Bench")]
[Category("Btrfs")]
public class BenchSmokeTests
{
    [Test]
    public void Harness_smoke_mode_prints_the_table()
    {
        var repo = FindRepositoryRoot();
        var bin = Path.Combine(repo, "artifacts", "publish");
        if (!File.Exists(Path.Combine(bin, "snapshotbackup")) || !File.Exists(Path.Combine(bin, "snapshotbackupd")))
        {
            Assert.Ignore($"no published binaries in {bin}; run 'bash packaging/publish.sh' first (tests/run.sh does)");
        }

        var result = Shell.Run("python3", [Path.Combine(repo, "bench", "run.py"), "--smoke", "--bin", bin], null, TimeSpan.FromMinutes(4));

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(result.Output, Does.Contain("| figure | snapshotbackup (A) | floor (B) | A / B | target | met |"));
        foreach (var figure in (string[])["1. backup after a 1 % change", "2. backup with no change", "6. prune 100 hourly snapshots",
                     "6. list 100 snapshots", "5. daemon, 20 sections: start → READY=1", "5. daemon: RSS after",
                     "CLI start-up (`snapshotbackup --version`", "CLI start-up to a failed `list`",
                     "7. diff of two consecutive snapshots", "7. growth from", "8. versions of one file", "8. versions of a 200-file directory",
                     "9. restore"])
        {
            Assert.That(result.Output, Does.Contain("| " + figure), $"figure '{figure}' missing\n{result}");
        }
        var workspace = System.Text.RegularExpressions.Regex.Match(result.Error, @"workspace (\S+)").Groups[1].Value;
        Assert.That(workspace, Does.StartWith("/var/tmp/sb-bench-"), result.Error);
        Assert.That(File.ReadAllText("/proc/mounts"), Does.Not.Contain(workspace + "/"), "the harness left its mount behind");
        Assert.That(Directory.Exists(workspace), Is.False, "the harness left its workspace behind");
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "bench", "run.py")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("bench/run.py not found above " + AppContext.BaseDirectory);
    }
}
