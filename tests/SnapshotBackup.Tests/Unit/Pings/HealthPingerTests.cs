using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Engine;
using SnapshotBackup.Core.Pings;
using SnapshotBackup.Core.Runs;
using SnapshotBackup.Tests.Fixtures;
using SnapshotBackup.Tests.Unit.Btrfs;

namespace SnapshotBackup.Tests.Unit.Pings;

/// <summary>The pinger in process against a <see cref="PingServer"/> on 127.0.0.1: no btrfs, short timeouts.</summary>
public class HealthPingerTests
{
    private const string Token = "5bf66975-d4c7-4bf5-bcc8-b8d8a82ec9f2";

    private static BackupConfig Config(string url) => new() { Name = "data1", Source = "/src", Backups = "/backups", PingUrl = new Uri(url) };

    private static readonly RunResult Succeeded = new("data1", RunOutcome.Succeeded) { SnapshotName = "2026-03-01T12:00:05+00:00" };

    [Test]
    public async Task The_start_ping_does_not_hold_up_the_run_and_the_end_ping_waits_for_it()
    {
        using var server = new PingServer();
        var logger = new RecordingLogger();
        using var pinger = new HealthPinger(logger);
        var config = Config(server.Url("/" + Token));

        var started = pinger.RunStartedAsync(config, CancellationToken.None);
        Assert.That(started.IsCompleted, Is.True, "returns before the request is made");
        await pinger.RunFinishedAsync(config, Succeeded, [], CancellationToken.None);

        Assert.That(server.Requests.Select(r => r.Method + " " + r.Path), Is.EqualTo(new[] { $"GET /{Token}/start", $"POST /{Token}" }));
        Assert.That(logger.Lines.Where(l => l.Level >= LogLevel.Warning), Is.Empty);
    }

    [Test]
    public async Task A_hanging_server_ends_each_ping_at_its_timeout_with_a_warning()
    {
        using var server = new PingServer(hang: true);
        var logger = new RecordingLogger();
        using var pinger = new HealthPinger(logger, TimeSpan.FromMilliseconds(500));
        var config = Config(server.Url("/" + Token));

        await pinger.RunStartedAsync(config, CancellationToken.None);
        var finished = pinger.RunFinishedAsync(config, new RunResult("data1", RunOutcome.Failed) { Error = new OperationFailedException("boom") }, ["error: boom"],
            CancellationToken.None);
        // A hang guard: two pings of 0.5 s each.
        Assert.That(await Task.WhenAny(finished, Task.Delay(TimeSpan.FromSeconds(10))), Is.SameAs(finished));

        var warnings = logger.Lines.Where(l => l.Level == LogLevel.Warning).Select(l => l.Text).ToList();
        Assert.That(warnings, Is.EqualTo(new[]
        {
            $"ping to http://127.0.0.1:{server.Port}/…c9f2/start failed: no answer within 0.5 s",
            $"ping to http://127.0.0.1:{server.Port}/…c9f2/fail failed: no answer within 0.5 s",
        }));
        Assert.That(server.WaitFor(2, TimeSpan.FromSeconds(5)).Select(r => r.Path), Is.EqualTo(new[] { $"/{Token}/start", $"/{Token}/fail" }));
    }

    [Test]
    public async Task An_interrupted_run_does_not_wait_for_a_hanging_start_ping_and_sends_no_end_ping_before_it()
    {
        using var server = new PingServer(hang: true);
        var logger = new RecordingLogger();
        using var pinger = new HealthPinger(logger);
        var config = Config(server.Url("/" + Token));

        await pinger.RunStartedAsync(config, CancellationToken.None);
        await pinger.RunFinishedAsync(config, new RunResult("data1", RunOutcome.Interrupted) { Error = new OperationCanceledException() }, [], CancellationToken.None);

        // Returned after InterruptedTimeout (2 s), before the start ping's own 5 s ran out (its warning comes then).
        Assert.That(logger.Lines.Select(l => $"{l.Level} {l.Text}"), Is.EqualTo(new[]
        {
            $"Debug ping to http://127.0.0.1:{server.Port}/…c9f2: the start ping is still waiting; no ping for the interruption",
        }));
        Assert.That(server.Requests.Select(r => r.Path), Is.EqualTo(new[] { $"/{Token}/start" }));
    }

    [Test]
    public async Task A_refused_connection_is_retried_once_then_a_warning_without_the_token()
    {
        var port = PingServer.ClosedPort();
        var logger = new RecordingLogger();
        using var pinger = new HealthPinger(logger);

        await pinger.RunFinishedAsync(Config($"http://127.0.0.1:{port}/{Token}?k=Secret99"), Succeeded, [], CancellationToken.None);

        var lines = logger.Lines.Select(l => $"{l.Level} {l.Text}").ToList();
        Assert.That(lines, Has.Exactly(1).StartsWith($"Debug ping to http://127.0.0.1:{port}/…c9f2: Connection refused").And.EndsWith("; trying once more"));
        Assert.That(lines, Has.Exactly(1).StartsWith($"Warning ping to http://127.0.0.1:{port}/…c9f2 failed: Connection refused"));
        Assert.That(string.Join("\n", lines), Does.Not.Contain("d4c7").And.Not.Contain("Secret99"));
    }

    [Test]
    public async Task An_http_error_is_a_warning_with_its_status()
    {
        using var server = new PingServer(status: 404);
        var logger = new RecordingLogger();
        using var pinger = new HealthPinger(logger);

        await pinger.RunFinishedAsync(Config(server.Url("/" + Token)), Succeeded, [], CancellationToken.None);

        Assert.That(logger.Lines.Select(l => $"{l.Level} {l.Text}"), Is.EqualTo(new[] { $"Warning ping to http://127.0.0.1:{server.Port}/…c9f2 failed: HTTP 404 Not Found" }));
        Assert.That(server.Requests, Has.Count.EqualTo(1), "an answer is not retried");
    }

    [Test]
    public async Task A_section_without_ping_url_sends_nothing()
    {
        var logger = new RecordingLogger();
        using var pinger = new HealthPinger(logger);
        var config = new BackupConfig { Name = "data1", Source = "/src", Backups = "/backups" };

        await pinger.RunStartedAsync(config, CancellationToken.None);
        await pinger.RunFinishedAsync(config, Succeeded, [], CancellationToken.None);

        Assert.That(logger.Lines, Is.Empty);
    }
}
