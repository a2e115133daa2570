using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.DaemonEndToEnd;

/// <summary><c>ping_url</c> in the real daemon: its scheduled runs ping a server the test runs on 127.0.0.1.</summary>
public class DaemonPingTests : DaemonTest
{
    private const string Token = "0f5d2a11-6b1e-4c3a-9a57-3d2e8c1b7a40";

    private PingServer server = null!;

    [SetUp]
    public void StartServer() => server = new PingServer();

    [TearDown]
    public void StopServer() => server.Dispose();

    [Test]
    public void A_scheduled_run_pings_start_then_success_and_the_log_shows_no_token()
    {
        WriteConfig(Section("data1", Source, Backups, "*/2 * * * * ?", $"ping_url = {server.Url("/" + Token)}"));
        using var daemon = StartDaemon(null, "-d");
        daemon.WaitForNotify(n => n == "READY=1", ReadyWait);

        var requests = server.WaitFor(2, LongWait);
        Assert.That(requests.Take(2).Select(r => r.Method + " " + r.Path), Is.EqualTo(new[] { $"GET /{Token}/start", $"POST /{Token}" }),
            string.Join("\n", requests) + "\n" + daemon.Describe());
        var snapshot = Snapshots(Backups)[0];
        Assert.That(requests[1].Body, Does.StartWith($"snapshot {snapshot}\n"), requests[1].Body);
        Assert.That(daemon.WaitForLog(l => l.Contains($"ping to http://127.0.0.1:{server.Port}/…7a40: HTTP 200", StringComparison.Ordinal), LongWait),
            Is.GreaterThanOrEqualTo(0), daemon.Describe());
        Assert.That(daemon.Lines, Has.None.Contains(Token[..13]), daemon.Describe());
    }

    [Test]
    public void A_scheduled_run_that_fails_pings_fail_with_the_daemons_log_lines_of_that_run()
    {
        WriteConfig(Section("data1", Source, Backups, "*/2 * * * * ?",
            $"ping_url = {server.Url("/" + Token)}\nbefore_backup = echo \"pg_dump: connection refused\" >&2; exit 2"));
        using var daemon = StartDaemon();
        daemon.WaitForNotify(n => n == "READY=1", ReadyWait);

        var requests = server.WaitFor(2, LongWait);
        Assert.That(requests.Take(2).Select(r => r.Method + " " + r.Path), Is.EqualTo(new[] { $"GET /{Token}/start", $"POST /{Token}/fail" }),
            string.Join("\n", requests) + "\n" + daemon.Describe());
        Assert.That(requests[1].Body, Does.Contain("info: before_backup: pg_dump: connection refused\n"), requests[1].Body);
        Assert.That(requests[1].Body, Does.Contain("before_backup hook failed with exit code 2"), requests[1].Body);
        Assert.That(Snapshots(Backups), Is.Empty);
    }
}
