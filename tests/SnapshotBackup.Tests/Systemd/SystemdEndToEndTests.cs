using System.Diagnostics;
using System.Text;

namespace SnapshotBackup.Tests.Systemd;

/// <summary>
/// The .deb under a real systemd: nspawn-e2e.sh boots a minimal Debian with systemd-nspawn, installs the package and
/// drives snapshotbackupd with systemctl and journalctl (schedule, status, journal fields, reload, stop during a long
/// backup, list, verify, security). The package is built by packaging/build-deb.sh when artifacts/ has none
/// (tests/run.sh always builds it first); SNAPSHOTBACKUP_DEB names another one.
/// </summary>
[TestFixture]
[Category("Systemd")]
[NonParallelizable]
public sealed class SystemdEndToEndTests
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(20);
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(20);

    [Test]
    public void Package_installs_and_the_daemon_runs_under_systemd()
    {
        var repo = RepositoryRoot();
        var script = Path.Combine(repo, "tests", "SnapshotBackup.Tests", "Systemd", "nspawn-e2e.sh");
        if (Environment.UserName != "root")
        {
            Assert.Ignore("needs root (loop devices, mounts, systemd-nspawn)");
        }

        var deb = Environment.GetEnvironmentVariable("SNAPSHOTBACKUP_DEB") ?? FindDeb(repo);
        if (deb is null)
        {
            var build = Run("bash", [Path.Combine(repo, "packaging", "build-deb.sh")], repo, BuildTimeout);
            Assert.That(build.ExitCode, Is.Zero, "packaging/build-deb.sh failed:\n" + build.Output);
            deb = FindDeb(repo);
            Assert.That(deb, Is.Not.Null, "packaging/build-deb.sh built no artifacts/snapshotbackup_*_amd64.deb");
        }

        var stopwatch = Stopwatch.StartNew();
        var result = Run("bash", [script, deb!], repo, RunTimeout);
        TestContext.Out.WriteLine(result.Output);
        TestContext.Out.WriteLine($"nspawn-e2e.sh: exit {result.ExitCode} after {stopwatch.Elapsed.TotalSeconds:0} s");
        if (result.ExitCode == 77)
        {
            var reason = result.Output.Split('\n').FirstOrDefault(l => l.StartsWith("SKIP: ", StringComparison.Ordinal));
            Assert.Ignore(reason?["SKIP: ".Length..] ?? "skipped by nspawn-e2e.sh");
        }
        var failures = string.Join('\n', result.Output.Split('\n').Where(l => l.StartsWith("FAIL", StringComparison.Ordinal)));
        Assert.That(result.ExitCode, Is.Zero, "failed checks:\n" + failures + "\n\nfull output:\n" + result.Output);
    }

    private static string? FindDeb(string repo)
    {
        var artifacts = Path.Combine(repo, "artifacts");
        return Directory.Exists(artifacts)
            ? Directory.GetFiles(artifacts, "snapshotbackup_*_amd64.deb").OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault()
            : null;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SnapshotBackup.Daemon.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("no SnapshotBackup.Daemon.sln above " + AppContext.BaseDirectory);
    }

    /// <summary>Runs a command with stdout and stderr interleaved; on timeout SIGTERM lets the script clean up.</summary>
    private static (int ExitCode, string Output) Run(string file, string[] args, string workingDirectory, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }
        var output = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                term.WaitForExit();
            }
            if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
            {
                process.Kill(entireProcessTree: true);
            }
            process.WaitForExit();
            lock (output)
            {
                return (-1, output + $"\n{file} did not finish within {timeout}");
            }
        }
        process.WaitForExit();
        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }
    }
}
