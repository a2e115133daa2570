using Microsoft.Extensions.Logging.Abstractions;
using SnapshotBackup.Core.Processes;
using SnapshotBackup.Core.Rsync;

namespace SnapshotBackup.Tests.Unit;

/// <summary>
/// Ctrl-C reaches rsync and us at once; whoever is first, the run reads as interrupted. A stand-in rsync (a shell script)
/// exits with rsync's "received SIGINT" code while the caller's cancellation arrives a moment later.
/// </summary>
public class RsyncSignalTests
{
    private string _directory = "";

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("snapshotbackup-rsync-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    private RsyncRunner FakeRsync(int exitCode)
    {
        var script = Path.Combine(_directory, "rsync");
        File.WriteAllText(script, $"#!/bin/sh\nexit {exitCode}\n");
        Fixtures.Shell.Check("chmod", "700", script);
        return new RsyncRunner(new ProcessRunner(NullLogger.Instance), NullLogger.Instance) { RsyncPath = script };
    }

    private RsyncOptions Options => new(_directory, Path.Combine(_directory, "dest"));

    [TestCase(20)]
    [TestCase(130)]
    public void Rsync_dying_of_sigint_just_before_our_own_cancellation_is_an_interruption_not_a_failure(int exitCode)
    {
        using var cancellation = new CancellationTokenSource();
        // Our SIGINT handler cancels a little after rsync is gone (the race the group Ctrl-C produces).
        var runner = FakeRsync(exitCode);
        var run = runner.RunAsync(Options, cancellation.Token);
        Thread.Sleep(50);
        cancellation.CancelAfter(TimeSpan.FromMilliseconds(200));

        Assert.That(async () => await run, Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public void Rsync_dying_of_a_signal_nobody_sent_us_is_a_failure_naming_the_signal()
    {
        var runner = FakeRsync(137);

        Assert.That(async () => await runner.RunAsync(Options, CancellationToken.None),
            Throws.TypeOf<RsyncException>().With.Message.Contains("killed by signal 9"));
    }
}
