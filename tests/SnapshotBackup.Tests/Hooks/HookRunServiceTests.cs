using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Engine;
using SnapshotBackup.Core.Hooks;
using SnapshotBackup.Core.Runs;
using SnapshotBackup.Tests.Fixtures;
using SnapshotBackup.Tests.Unit.Runs;

namespace SnapshotBackup.Tests.Hooks;

/// <summary>
/// The run path with real hooks (the real /bin/sh) and the engine, notifier and recorder faked at their seams: what is
/// recorded and notified when before_backup fails, what on_failure is told, and a daemon stopping during a hook.
/// The engine fake calls the request's BeforeSync as the real one does, under its lock, before rsync.
/// </summary>
public class HookRunServiceTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private const string Snapshot = "2026-03-01T12:00:05+00:00";

    private string _dir = null!;
    private Mock<IBackupEngine> _engine = null!;
    private Mock<IRunNotifier> _notifier = null!;
    private Mock<IRunRecorder> _recorder = null!;
    private List<string> _steps = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = Directory.CreateTempSubdirectory("hookrun-").FullName;
        _steps = [];
        _engine = new Mock<IBackupEngine>();
        _engine.Setup(e => e.BackupAsync(It.IsAny<BackupConfig>(), It.IsAny<BackupRequest>(), It.IsAny<CancellationToken>()))
            .Returns(async (BackupConfig _, BackupRequest request, CancellationToken ct) =>
            {
                if (request.BeforeSync is { } beforeSync)
                {
                    await beforeSync(ct);
                }
                _steps.Add("rsync+snapshot");
                return new BackupStepResult { SnapshotName = Snapshot };
            });
        _engine.Setup(e => e.NewestBackup(It.IsAny<BackupConfig>())).Returns(Start.AddDays(-1));
        _notifier = new Mock<IRunNotifier>();
        _recorder = new Mock<IRunRecorder>();
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private BackupConfig Config(HookCommands hooks) => new() { Name = "data1", Source = _dir, Backups = "/backups", Hooks = hooks };

    private BackupRunService Service() =>
        new(_engine.Object, _notifier.Object, _recorder.Object, new FakeClock(Start), NullLogger.Instance)
        {
            Hooks = new HookRunner(NullLogger.Instance) { GracePeriod = TimeSpan.FromSeconds(1), DrainTimeout = TimeSpan.FromSeconds(1) },
        };

    private string Read(string name) => File.ReadAllText(Path.Combine(_dir, name));

    [Test]
    public async Task A_failing_before_backup_is_recorded_and_notified_as_a_failure_with_its_last_output()
    {
        var config = Config(new HookCommands
        {
            BeforeBackup = "for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo \"line $i\"; done; echo 'pg_dump: connection refused' >&2; exit 2",
            OnFailure = "echo \"$SNAPSHOTBACKUP_OUTCOME\" > outcome; echo \"$SNAPSHOTBACKUP_ERROR\" > error; echo \"$SNAPSHOTBACKUP_HOOK\" > hook",
        });

        var result = await Service().RunAsync(config, new BackupRequest(), CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(RunOutcome.Failed));
        Assert.That(result.Error, Is.InstanceOf<HookFailedException>());
        Assert.That(_steps, Is.Empty, "no rsync, no snapshot");
        var expected = "before_backup hook failed with exit code 2 after ";
        var tail = "its last output: line 4 | line 5 | line 6 | line 7 | line 8 | line 9 | line 10 | line 11 | line 12 | pg_dump: connection refused; no backup taken";
        Assert.That(result.ErrorMessage, Does.StartWith(expected).And.EndWith(tail));
        _recorder.Verify(r => r.Finished(It.Is<RunResult>(x => x.Outcome == RunOutcome.Failed && x.ErrorMessage == result.ErrorMessage)), Times.Once);
        _notifier.Verify(n => n.NotifyRunAsync(config, RunOutcome.Failed, It.Is<string>(d => d.Contains(tail, StringComparison.Ordinal)),
            Start.AddDays(-1), It.IsAny<DateTimeOffset>(), It.IsAny<CancellationToken>()), Times.Once);
        Assert.That(Read("outcome"), Is.EqualTo("failed\n"));
        Assert.That(Read("error"), Is.EqualTo(result.ErrorMessage + "\n"));
        Assert.That(Read("hook"), Is.EqualTo("on_failure\n"));
    }

    [Test]
    public async Task A_failing_on_failure_hook_is_a_warning_and_the_run_stays_failed()
    {
        var config = Config(new HookCommands { BeforeBackup = "exit 1", OnFailure = "echo cannot page; exit 7" });

        var result = await Service().RunAsync(config, new BackupRequest(), CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(RunOutcome.Failed));
        Assert.That(result.HookWarnings.Single(), Does.StartWith("on_failure hook failed with exit code 7").And.EndWith("its last output: cannot page"));
    }

    [Test]
    public async Task Stopping_during_before_backup_interrupts_the_run_and_stops_the_hook()
    {
        using var stop = new CancellationTokenSource();
        var config = Config(new HookCommands { BeforeBackup = "echo $$ > pid; sleep 1000", OnFailure = "touch on_failure" });
        var run = Service().RunAsync(config, new BackupRequest(), stop.Token);
        Assert.That(Poll.Until(() => File.Exists(Path.Combine(_dir, "pid")) && Read("pid").EndsWith('\n'), TimeSpan.FromSeconds(10)), Is.True);

        stop.Cancel();
        var result = await run;

        Assert.That(result.Outcome, Is.EqualTo(RunOutcome.Interrupted));
        Assert.That(_steps, Is.Empty);
        Assert.That(File.Exists(Path.Combine(_dir, "on_failure")), Is.False, "an interrupted run is no failure");
        var pid = int.Parse(Read("pid").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(Poll.Until(() => !File.Exists($"/proc/{pid}/stat") || File.ReadAllText($"/proc/{pid}/stat").Contains(") Z", StringComparison.Ordinal),
            TimeSpan.FromSeconds(5)), Is.True);
    }

    [Test]
    public async Task Stopping_during_after_backup_keeps_the_backup_a_success_with_a_warning()
    {
        using var stop = new CancellationTokenSource();
        var config = Config(new HookCommands { AfterBackup = "echo started > started; sleep 1000" });
        var run = Service().RunAsync(config, new BackupRequest(), stop.Token);
        Assert.That(Poll.Until(() => File.Exists(Path.Combine(_dir, "started")), TimeSpan.FromSeconds(10)), Is.True);

        stop.Cancel();
        var result = await run;

        Assert.That(result.Outcome, Is.EqualTo(RunOutcome.Succeeded));
        Assert.That(result.SnapshotName, Is.EqualTo(Snapshot));
        Assert.That(result.HookWarnings.Single(), Does.StartWith("after_backup hook was stopped after").And.Contain("(interrupted)"));
    }

    [Test]
    public async Task A_hook_that_cannot_start_counts_as_failed()
    {
        // A working directory that vanishes between the check and the start is hard to stage; a missing command is the
        // shell's own 127.
        var config = Config(new HookCommands { AfterBackup = "/nonexistent/program --flag" });

        var result = await Service().RunAsync(config, new BackupRequest(), CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(RunOutcome.Succeeded));
        Assert.That(result.HookWarnings.Single(), Does.StartWith("after_backup hook failed with exit code 127").And.Contain("/nonexistent/program"));
    }

    [Test]
    public async Task A_run_refused_by_the_volume_lock_runs_no_on_failure_hook()
    {
        // Another run holds the volume: a cleanup on_failure would work on that run's files (its fresh dump).
        _engine.Setup(e => e.BackupAsync(It.IsAny<BackupConfig>(), It.IsAny<BackupRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new Core.Volume.VolumeLockedException("data1", 4242));
        var config = Config(new HookCommands { OnFailure = "touch on_failure_ran" });

        var result = await Service().RunAsync(config, new BackupRequest(), CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(RunOutcome.Failed));
        Assert.That(File.Exists(Path.Combine(_dir, "on_failure_ran")), Is.False);
        Assert.That(result.HookWarnings, Is.Empty);
    }

    [Test]
    public async Task Before_a_restore_after_backup_runs_before_the_restore_step_not_after_it()
    {
        // A hook that removes a dump from the source after the backup must not remove the dump just restored.
        var config = Config(new HookCommands { AfterBackup = "rm -f shop.sql" });
        var request = new BackupRequest
        {
            BeforeRestore = "shop.sql from " + Snapshot,
            AfterSnapshot = (_, _) =>
            {
                File.WriteAllText(Path.Combine(_dir, "shop.sql"), "restored");
                return Task.CompletedTask;
            },
        };

        var result = await Service().RunAsync(config, request, CancellationToken.None);

        Assert.That(result.Outcome, Is.EqualTo(RunOutcome.Succeeded));
        Assert.That(result.StepError, Is.Null);
        Assert.That(Read("shop.sql"), Is.EqualTo("restored"));
    }

    [Test]
    public async Task A_stopping_run_starts_no_after_backup_hook()
    {
        using var stop = new CancellationTokenSource();
        _engine.Setup(e => e.BackupAsync(It.IsAny<BackupConfig>(), It.IsAny<BackupRequest>(), It.IsAny<CancellationToken>()))
            .Returns(async (BackupConfig _, BackupRequest request, CancellationToken ct) =>
            {
                await request.BeforeSync!(ct);
                await stop.CancelAsync(); // the daemon is told to stop right after the snapshot
                return new BackupStepResult { SnapshotName = Snapshot };
            });
        var config = Config(new HookCommands { AfterBackup = "touch after_backup_ran" });

        var result = await Service().RunAsync(config, new BackupRequest(), stop.Token);

        Assert.That(result.Outcome, Is.EqualTo(RunOutcome.Succeeded), "the snapshot is taken");
        Assert.That(File.Exists(Path.Combine(_dir, "after_backup_ran")), Is.False, "not started only to be killed");
        Assert.That(result.HookWarnings.Single(), Does.Contain("after_backup"));
    }
}
