using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.Bench;

/// <summary>
/// Runs the benchmark harness (bench/run.py) in its smoke mode so it cannot rot: a small tree, 100 snapshots, a short
/// daemon idle, copies of a 500-file tree locally and over its own sshd, the daemon's journal backups of 1,000- and
/// 5,000-file trees. Checks that it ran every figure and printed the table, and that it left no mount, workspace, sshd
/// or daemon behind and root's ~/.ssh as it was; the targets are not checked
/// here (timings on a shared test machine mean nothing). Uses the published binaries (tests/run.sh runs
/// packaging/publish.sh first).
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

        var rootSsh = Path.Combine(RootHome(), ".ssh");
        var rootSshBefore = Directory.Exists(rootSsh) ? string.Join('\n', Directory.GetFileSystemEntries(rootSsh).Order(StringComparer.Ordinal)) : null;

        var result = Shell.Run("python3", [Path.Combine(repo, "bench", "run.py"), "--smoke", "--bin", bin], null, TimeSpan.FromMinutes(5));

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        Assert.That(result.Output, Does.Contain("| figure | snapshotbackup (A) | floor (B) | A / B | target | met |"));
        foreach (var figure in (string[])["1. backup after a 1 % change", "2. backup with no change", "6. prune 100 hourly snapshots",
                     "6. list 100 snapshots", "13. plan 100 snapshots (B: list)", "5. daemon, 20 sections: start → READY=1", "5. daemon: RSS after",
                     "CLI start-up (`snapshotbackup --version`", "CLI start-up to a failed `list`",
                     "7. diff of two consecutive snapshots", "7. growth from", "8. versions of one file", "8. versions of a 200-file directory",
                     "9. restore",
                     "10a. incremental copy of a 1 % change (500 files) to another btrfs filesystem", "10a. bytes sent",
                     "10b. incremental copy of a 1 % change (500 files) over ssh", "10b. bytes sent",
                     "11a. full copy of the tree (500 files", "11b. full copy of the tree (500 files", "11a. bytes sent", "11b. bytes sent",
                     "12a. no-change backup (500 files), before_backup = true, after_backup = true", "12b. no-change backup (500 files), metrics_dir set",
                     "12c. no-change backup (500 files), ping_url to a local server",
                     "15. journal backup (1,000 files, 1 % changed; it listed", "15. journal backup (5,000 files, no change) vs plain `rsync -a`",
                     "15. journal backup (5,000 files, 1 % changed) vs rsync with our options `--files-from`",
                     "15. journal backup (5,000 files, the same 10 files changed) vs our full scan", "15. growth from 1,000 to 5,000 files",
                     "15. daemon with the journal on: CPU time", "15. daemon with the journal on: VmRSS"])
        {
            Assert.That(result.Output, Does.Contain("| " + figure), $"figure '{figure}' missing\n{result}");
        }
        // Every workspace (the copy figures have two: source and target; the journal figures one of their own) is unmounted
        // and gone, and no daemon of the journal figures is left running.
        var workspaces = System.Text.RegularExpressions.Regex.Matches(result.Error, @"(?:workspace|copy target) (/var/tmp/sb-bench-[^\s,]+)")
            .Select(m => m.Groups[1].Value).ToList();
        Assert.That(workspaces, Has.Count.EqualTo(5), result.Error);
        foreach (var workspace in workspaces)
        {
            Assert.That(File.ReadAllText("/proc/mounts"), Does.Not.Contain(workspace + "/"), "the harness left its mount behind");
            Assert.That(Directory.Exists(workspace), Is.False, "the harness left its workspace behind");
            Assert.That(Shell.Run("pgrep", ["-f", workspace + "/ssh/sshd_config"], null, TimeSpan.FromSeconds(10)).ExitCode, Is.EqualTo(1),
                "the harness left its sshd running");
            Assert.That(Shell.Run("pgrep", ["-f", workspace + "/j"], null, TimeSpan.FromSeconds(10)).ExitCode, Is.EqualTo(1),
                "the harness left a daemon of the journal figures running");
        }
        var rootSshAfter = Directory.Exists(rootSsh) ? string.Join('\n', Directory.GetFileSystemEntries(rootSsh).Order(StringComparer.Ordinal)) : null;
        Assert.That(rootSshAfter, Is.EqualTo(rootSshBefore), "the harness changed root's ~/.ssh");
    }

    private static string RootHome() =>
        File.ReadLines("/etc/passwd").Select(l => l.Split(':')).First(f => f.Length > 5 && f[2] == "0")[5];

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
