using System.Diagnostics;
using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Hooks;
using SnapshotBackup.Tests.Fixtures;
using SnapshotBackup.Tests.Unit.Btrfs;

namespace SnapshotBackup.Tests.Hooks;

/// <summary>
/// The hook runner with the real <c>/bin/sh</c>: its own process group (the shell's pid is the group's id, as started by
/// .NET under setpriv and setsid), the environment and working directory, timeout and cancellation stopping the whole
/// group, megabytes of output, a background child holding the pipes.
/// </summary>
public class HookRunnerTests
{
    private string _dir = null!;
    private RecordingLogger _log = null!;
    private readonly List<int> _pids = [];

    [SetUp]
    public void SetUp()
    {
        _dir = Directory.CreateTempSubdirectory("hookrunner-").FullName;
        _log = new RecordingLogger();
    }

    [TearDown]
    public void TearDown()
    {
        // Whatever a failed test left running.
        foreach (var pid in _pids.Where(Alive))
        {
            try
            {
                Process.GetProcessById(pid).Kill();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Gone meanwhile.
            }
        }
        Directory.Delete(_dir, recursive: true);
    }

    private BackupConfig Config(HookKind kind, string command, TimeSpan? timeout = null) => new()
    {
        Name = "data1",
        Source = _dir,
        Backups = "/nonexistent/backups",
        Hooks = kind switch
        {
            HookKind.BeforeBackup => new HookCommands { BeforeBackup = command, Timeout = timeout ?? TimeSpan.FromMinutes(1) },
            HookKind.AfterBackup => new HookCommands { AfterBackup = command, Timeout = timeout ?? TimeSpan.FromMinutes(1) },
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        },
    };

    private HookRunner Runner() => new(_log) { GracePeriod = TimeSpan.FromSeconds(1), DrainTimeout = TimeSpan.FromSeconds(1) };

    private async Task<HookResult> RunAsync(string command, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var config = Config(HookKind.BeforeBackup, command, timeout);
        var result = await Runner().RunAsync(config, HookKind.BeforeBackup, HookEnvironment.For(config, HookKind.BeforeBackup), cancellationToken);
        Assert.That(result, Is.Not.Null);
        return result!;
    }

    /// <summary>A live process (not a zombie) with this pid.</summary>
    private static bool Alive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Pids of live processes in process group <paramref name="group"/>.</summary>
    private static List<int> GroupMembers(int group) =>
        Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
            .Where(pid => pid > 0)
            .Where(pid =>
            {
                try
                {
                    var stat = File.ReadAllText($"/proc/{pid}/stat");
                    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    return fields[0] != "Z" && int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture) == group;
                }
                catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException)
                {
                    return false;
                }
            })
            .ToList();

    private int[] ReadPids(string file)
    {
        var pids = File.ReadAllText(Path.Combine(_dir, file)).Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries)
            .Select(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        _pids.AddRange(pids);
        return pids;
    }

    [Test]
    public async Task TheShellLeadsAProcessGroupOfItsOwnAndIsWaitedFor()
    {
        // Field 5 of /proc/PID/stat is the process group, field 6 the session.
        var result = await RunAsync("read -r pid comm state ppid pgrp session rest < /proc/$$/stat; echo \"$$ $pgrp $session\"; sleep 0.3; exit 3");

        Assert.That(result.ExitCode, Is.EqualTo(3), "the shell's own exit code: waited for the shell, not for a forking setsid");
        Assert.That(result.Duration, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(250)));
        var ids = result.Tail.Single().Split(' ');
        Assert.That(ids[1], Is.EqualTo(ids[0]), "process group id = the shell's pid");
        Assert.That(ids[2], Is.EqualTo(ids[0]), "a session of its own");
        Assert.That(int.Parse(ids[1], System.Globalization.CultureInfo.InvariantCulture), Is.Not.EqualTo(LibCTest.ProcessGroup()));
    }

    [Test]
    public async Task TheHookRunsInTheSourceWithTheVariablesAndEmptyInput()
    {
        var config = Config(HookKind.AfterBackup, "pwd; echo \"$SNAPSHOTBACKUP_NAME|$SNAPSHOTBACKUP_SOURCE|$SNAPSHOTBACKUP_BACKUPS|$SNAPSHOTBACKUP_HOOK|$SNAPSHOTBACKUP_SNAPSHOT|$SNAPSHOTBACKUP_OUTCOME\"; wc -c; echo err >&2");
        var result = await Runner().RunAsync(config, HookKind.AfterBackup,
            HookEnvironment.For(config, HookKind.AfterBackup, snapshot: "2026-03-01T12:00:00+00:00", outcome: "succeeded"), CancellationToken.None);

        Assert.That(result!.ExitCode, Is.Zero);
        Assert.That(result.Tail, Has.Count.EqualTo(4));
        Assert.That(result.Tail[0], Is.EqualTo(_dir));
        Assert.That(result.Tail[1], Is.EqualTo($"data1|{_dir}|/nonexistent/backups|after_backup|2026-03-01T12:00:00+00:00|succeeded"));
        Assert.That(result.Tail[2].Trim(), Is.EqualTo("0"), "standard input is empty");
        Assert.That(result.Tail[3], Is.EqualTo("err"), "standard error too");
        Assert.That(_log.Lines.Where(l => l.Level == LogLevel.Information).Select(l => l.Text), Does.Contain("after_backup: err"));
    }

    [Test]
    public async Task TheWorkingDirectoryIsTheRootWhenTheSourceIsMissing()
    {
        var config = Config(HookKind.BeforeBackup, "pwd") with { Source = Path.Combine(_dir, "missing") };
        var result = await Runner().RunAsync(config, HookKind.BeforeBackup, HookEnvironment.For(config, HookKind.BeforeBackup), CancellationToken.None);
        Assert.That(result!.Tail, Is.EqualTo(new[] { "/" }));
    }

    [Test]
    public async Task ATimeoutStopsTheWholeProcessGroup()
    {
        var result = await RunAsync("sleep 1000 & echo $$ $! > pids; sleep 1000; echo not reached", TimeSpan.FromSeconds(1));

        Assert.That(result.TimedOut, Is.True);
        Assert.That(result.ExitCode, Is.Null);
        Assert.That(result.Succeeded, Is.False);
        var pids = ReadPids("pids");
        Assert.That(Poll.Until(() => !pids.Any(Alive), TimeSpan.FromSeconds(5)), Is.True, "the shell and its background child are gone");
        Assert.That(GroupMembers(pids[0]), Is.Empty);
        Assert.That(result.Describe(TimeSpan.FromSeconds(1)), Does.StartWith("before_backup hook did not finish within 1 s (hook_timeout) and was stopped"));
    }

    [Test]
    public async Task AHookIgnoringSigtermIsKilledAfterTheGracePeriod()
    {
        var result = await RunAsync("trap '' TERM; sleep 1000 & echo $$ $! > pids; while :; do sleep 1; done", TimeSpan.FromSeconds(1));

        Assert.That(result.TimedOut, Is.True);
        var pids = ReadPids("pids");
        Assert.That(Poll.Until(() => !pids.Any(Alive), TimeSpan.FromSeconds(5)), Is.True);
        Assert.That(_log.Lines.Select(l => l.Text), Has.Some.Contains("ignored SIGTERM"));
    }

    [Test]
    public void CancellationStopsTheWholeProcessGroup()
    {
        using var cancellation = new CancellationTokenSource();
        var pidsFile = Path.Combine(_dir, "pids");
        var run = RunAsync("sleep 1000 & echo $$ $! > pids.tmp; mv pids.tmp pids; sleep 1000", cancellationToken: cancellation.Token);
        Assert.That(Poll.Until(() => File.Exists(pidsFile), TimeSpan.FromSeconds(10)), Is.True, "the hook started");
        var pids = ReadPids("pids");
        Assert.That(pids.All(Alive), Is.True);

        cancellation.Cancel();

        Assert.ThrowsAsync(Is.InstanceOf<OperationCanceledException>(), async () => await run);
        Assert.That(Poll.Until(() => !pids.Any(Alive), TimeSpan.FromSeconds(5)), Is.True);
        Assert.That(GroupMembers(pids[0]), Is.Empty);
    }

    [Test]
    public async Task MegabytesOfOutputDoNotStallTheRunAndTheLogIsCapped()
    {
        // 50 MB in 100-character lines on standard output, and some on standard error at the same time.
        var result = await RunAsync(
            "{ head -c 1000000 /dev/zero | tr '\\0' 'e' | fold -w 100; echo; } >&2 & head -c 50000000 /dev/zero | tr '\\0' 'x' | fold -w 100; echo; wait; echo last",
            TimeSpan.FromMinutes(2));

        Assert.That(result.TimedOut, Is.False);
        Assert.That(result.ExitCode, Is.Zero);
        Assert.That(result.Tail, Has.Count.EqualTo(HookRunner.TailLines));
        Assert.That(result.Tail[^1], Is.EqualTo("last"));
        var hookLines = _log.Lines.Where(l => l.Text.StartsWith("before_backup: ", StringComparison.Ordinal)).ToList();
        Assert.That(hookLines, Has.Count.EqualTo(HookRunner.MaxLoggedLines));
        // Not exactly 510001 lines: the two writers' blocks interleave, and their lines with them.
        var omitted = _log.Lines.Select(l => System.Text.RegularExpressions.Regex.Match(l.Text, "^before_backup hook of data1: ([0-9]+) more lines of output not logged$"))
            .Single(m => m.Success).Groups[1].Value;
        Assert.That(long.Parse(omitted, System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThan(500_000 - HookRunner.MaxLoggedLines));
    }

    [Test]
    public async Task AnEndlessLineIsCut()
    {
        var result = await RunAsync("head -c 10000000 /dev/zero | tr '\\0' 'y'", TimeSpan.FromMinutes(1));

        Assert.That(result.ExitCode, Is.Zero);
        Assert.That(result.Tail.Single(), Has.Length.EqualTo(HookRunner.MaxLineLength + 1).And.EndsWith("…"));
    }

    [Test]
    public async Task ABackgroundChildHoldingTheOutputDoesNotHoldTheRun()
    {
        var clock = Stopwatch.StartNew();
        var result = await RunAsync("sleep 1000 & echo $! > pids; echo done", TimeSpan.FromMinutes(5));
        clock.Stop();

        Assert.That(result.ExitCode, Is.Zero);
        Assert.That(result.TimedOut, Is.False);
        Assert.That(result.Tail, Is.EqualTo(new[] { "done" }));
        // Not a performance figure: without the drain timeout this would wait for sleep 1000.
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(60)));
        var pids = ReadPids("pids");
        Assert.That(Poll.Until(() => !pids.Any(Alive), TimeSpan.FromSeconds(5)), Is.True, "the child left holding the output was stopped");
        Assert.That(_log.Lines.Select(l => l.Text), Has.Some.Contains("still held its output"));
    }

    [Test]
    public async Task ADetachedChildIsLeftAlone()
    {
        // Output redirected: the pipes close with the shell; the admin meant it to keep running.
        var result = await RunAsync("sleep 1000 >/dev/null 2>&1 & echo $! > pids", TimeSpan.FromMinutes(1));

        Assert.That(result.ExitCode, Is.Zero);
        var pids = ReadPids("pids");
        Assert.That(Alive(pids[0]), Is.True);
    }

    [Test]
    public async Task NoHookConfiguredRunsNothing()
    {
        var config = Config(HookKind.BeforeBackup, "exit 1");
        var result = await Runner().RunAsync(config, HookKind.AfterBackup, HookEnvironment.For(config, HookKind.AfterBackup), CancellationToken.None);
        Assert.That(result, Is.Null);
    }
}

/// <summary>The test process's own process group.</summary>
internal static class LibCTest
{
    public static int ProcessGroup()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[2], System.Globalization.CultureInfo.InvariantCulture);
    }
}
