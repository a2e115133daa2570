using System.Diagnostics;
using SnapshotBackup.Tests.Daemon;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.EndToEnd;

/// <summary>
/// <c>ping_url</c> with the real command on a real btrfs, against a health-check server the test runs on 127.0.0.1
/// (<see cref="PingServer"/>): what is sent when (Healthchecks.io and Uptime Kuma conventions), that a server that
/// hangs or refuses costs a bounded time and a warning and never the backup, and that the URL's token is never printed.
/// </summary>
public class PingTests : VolumeTest
{
    /// <summary>A Healthchecks.io check's UUID: the secret in the URL.</summary>
    private const string Token = "5bf66975-d4c7-4bf5-bcc8-b8d8a82ec9f2";

    private const string Check = "/" + Token;

    private PingServer server = null!;

    private readonly ChildProcesses _started = new();

    [SetUp]
    public void StartServer() => server = new PingServer();

    [TearDown]
    public void StopServer()
    {
        _started.StopAll();
        foreach (var pid in ProcessScan.Rsync(Backups))
        {
            Shell.Run("kill", "-KILL", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        server.Dispose();
    }

    private Process Start(string program, params string[] args)
    {
        var process = Process.Start(new ProcessStartInfo(program, args) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true })!;
        _started.Add(process);
        return process;
    }

    private void WriteConfigPinging(string url, string extra = "") => WriteConfig($"ping_url = {url}\n{extra}");

    private static void AssertNoToken(Shell.Result result) =>
        Assert.That(result.Error + result.Output, Does.Not.Contain(Token).And.Not.Contain("d4c7-4bf5"), "the token is never printed: " + result);

    [Test]
    public void A_backup_pings_start_then_success_with_a_summary()
    {
        WriteFile(Path.Combine(Source, "a.txt"), "one");
        WriteConfigPinging(server.Url(Check));
        CliOk("setup", "data1");

        var result = CliOk("backup", "data1", "-d");

        var snapshot = result.Output.Trim();
        var requests = server.WaitFor(2, TimeSpan.FromSeconds(5));
        Assert.That(requests.Select(r => r.Method + " " + r.Path), Is.EqualTo(new[] { "GET " + Check + "/start", "POST " + Check }), string.Join("\n", requests));
        Assert.That(requests[0].At, Is.LessThan(requests[1].At));
        Assert.That(requests[1].Body, Does.Contain($"snapshot {snapshot}\n").And.Contain("bytes transferred ").And.Contain("duration "));
        // -d logs each ping, redacted.
        Assert.That(result.Error, Does.Contain($"ping to http://127.0.0.1:{server.Port}/…c9f2/start: HTTP 200"), result.ToString());
        AssertNoToken(result);
    }

    [Test]
    public void A_failed_backup_pings_fail_with_the_runs_last_log_lines_and_keeps_its_own_exit_code()
    {
        WriteFile(Path.Combine(Source, "a.txt"), "one");
        WriteConfigPinging(server.Url(Check + "?create=1"), "before_backup = echo \"dump failed: disk full\" >&2; exit 3");
        CliOk("setup", "data1");

        var result = Cli("backup", "data1");

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(SnapshotNames(), Is.Empty);
        var requests = server.WaitFor(2, TimeSpan.FromSeconds(5));
        Assert.That(requests.Select(r => r.Method + " " + r.Path + r.Query),
            Is.EqualTo(new[] { "GET " + Check + "/start?create=1", "POST " + Check + "/fail?create=1" }), string.Join("\n", requests));
        var body = requests[1].Body;
        TestContext.Out.WriteLine(body);
        Assert.That(body, Does.Contain("info: before_backup: dump failed: disk full"), body);
        Assert.That(body, Does.Contain("failed: before_backup hook failed with exit code 3"), "the run's error, last: " + body);
        AssertNoToken(result);
    }

    [Test]
    public void A_skipped_backup_sends_no_start_and_logs_the_reason_without_failing_the_check()
    {
        WriteFile(Path.Combine(Source, "a.txt"), "one");
        var unplugged = Path.Combine(Loop.Root, "usb-disk", "backups", "data1");
        File.WriteAllText(ConfigPath, $"[data1]\nsource = {Source}\nbackups = {unplugged}\nping_url = {server.Url(Check)}\n");

        var result = Cli("backup", "data1");

        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        var requests = server.WaitFor(1, TimeSpan.FromSeconds(5));
        Thread.Sleep(200);
        requests = server.Requests;
        Assert.That(requests.Select(r => r.Method + " " + r.Path), Is.EqualTo(new[] { "POST " + Check + "/log" }), string.Join("\n", requests));
        Assert.That(requests[0].Body, Does.StartWith("skipped: backups directory " + unplugged + " does not exist"));
        AssertNoToken(result);
    }

    [Test]
    public void A_backup_refused_because_another_run_holds_the_volume_logs_the_reason_without_a_start()
    {
        WriteFile(Path.Combine(Source, "a.txt"), "one");
        WriteConfigPinging(server.Url(Check));
        CliOk("setup", "data1");
        var lockFile = Path.Combine(Backups, ".snapshotbackup.lock");
        File.WriteAllText(lockFile, "4242\n");
        Start("flock", "-x", lockFile, "sleep", "60");
        Poll.Until(() => Shell.Run("flock", "-n", lockFile, "true").ExitCode != 0, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));

        var result = Cli("backup", "data1");

        Assert.That(result.ExitCode, Is.EqualTo(75), result.ToString());
        var requests = server.WaitFor(1, TimeSpan.FromSeconds(5));
        Thread.Sleep(200);
        requests = server.Requests;
        Assert.That(requests.Select(r => r.Method + " " + r.Path), Is.EqualTo(new[] { "POST " + Check + "/log" }), string.Join("\n", requests));
        Assert.That(requests[0].Body, Does.StartWith("not run: backup 'data1' is locked by pid 4242"));
    }

    [Test]
    public void A_backup_stopped_by_sigterm_pings_start_then_logs_the_interruption_without_failing_the_check()
    {
        WriteFile(Path.Combine(Source, "a.txt"), "small");
        Shell.Check("truncate", "-s", "30G", Path.Combine(Source, "big"));
        WriteConfigPinging(server.Url(Check));
        CliOk("setup", "data1");
        var running = CliProcess.Start("-c", ConfigPath, "backup", "data1");
        _started.Add(running);
        var stderr = running.StandardError.ReadToEndAsync();
        ProcessScan.AwaitRsync(Backups, running, TimeSpan.FromSeconds(60), () => stderr.Result);

        Shell.Check("kill", "-TERM", running.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.That(running.WaitForExit(20_000), Is.True, "stops");
        Assert.That(running.ExitCode, Is.EqualTo(1), stderr.Result);
        var requests = server.WaitFor(2, TimeSpan.FromSeconds(5));
        Assert.That(requests.Select(r => r.Method + " " + r.Path), Is.EqualTo(new[] { "GET " + Check + "/start", "POST " + Check + "/log" }),
            string.Join("\n", requests) + "\n" + stderr.Result);
        Assert.That(requests[1].Body, Does.StartWith("interrupted"));
    }

    [Test]
    public void A_hanging_server_costs_a_bounded_time_and_a_warning_and_the_backup_succeeds()
    {
        using var hanging = new PingServer(hang: true);
        WriteFile(Path.Combine(Source, "a.txt"), "one");
        WriteConfigPinging(hanging.Url(Check));
        CliOk("setup", "data1");

        var clock = Stopwatch.StartNew();
        var result = Cli("backup", "data1");
        clock.Stop();

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(SnapshotNames(), Has.Count.EqualTo(1));
        // A hang guard, not a performance figure: two pings of at most 5 s each.
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(15)), result.ToString());
        var shown = $"http://127.0.0.1:{hanging.Port}/…c9f2";
        Assert.That(result.Error, Does.Contain($"warning: ping to {shown}/start failed: no answer within 5 s"), result.ToString());
        Assert.That(result.Error, Does.Contain($"warning: ping to {shown} failed: no answer within 5 s"), result.ToString());
        Assert.That(hanging.Requests.Select(r => r.Path), Is.EqualTo(new[] { Check + "/start", Check }), "both were sent, neither answered");
        AssertNoToken(result);
    }

    [Test]
    public void A_refused_connection_is_a_warning_and_the_backup_succeeds()
    {
        var port = PingServer.ClosedPort();
        WriteFile(Path.Combine(Source, "a.txt"), "one");
        WriteConfigPinging($"http://127.0.0.1:{port}{Check}");
        CliOk("setup", "data1");

        var result = Cli("backup", "data1", "-d");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(SnapshotNames(), Has.Count.EqualTo(1));
        Assert.That(result.Error, Does.Contain($"warning: ping to http://127.0.0.1:{port}/…c9f2/start failed: Connection refused"), result.ToString());
        Assert.That(result.Error, Does.Contain($"warning: ping to http://127.0.0.1:{port}/…c9f2 failed: Connection refused"), result.ToString());
        Assert.That(result.Error, Does.Contain("trying once more"), "one retry: " + result);
        AssertNoToken(result);
    }

    [Test]
    public void The_token_is_not_in_the_journal_either()
    {
        using var journal = DatagramReceiver.BindPath("journal.sock");
        var port = PingServer.ClosedPort();
        WriteFile(Path.Combine(Source, "a.txt"), "one");
        WriteConfigPinging($"http://user:secretpassword@127.0.0.1:{port}{Check}?key=Zq8sSecretQuery");
        CliOk("setup", "data1");

        var result = CliProcess.Run(new Dictionary<string, string> { ["SNAPSHOTBACKUP_JOURNAL_SOCKET"] = journal.Address },
            ["-c", ConfigPath, "backup", "data1", "-s", "-d"]);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var entries = new List<string>();
        while (journal.HasPending())
        {
            entries.Add(string.Join(" ", JournalEntryReader.Receive(journal.Socket).Select(f => f.Name + "=" + f.Value)));
        }
        var text = string.Join("\n", entries);
        Assert.That(text, Does.Contain($"ping to http://127.0.0.1:{port}/…c9f2/start failed"), text);
        foreach (var secret in new[] { Token, "d4c7-4bf5", "secretpassword", "Zq8sSecretQuery" })
        {
            Assert.That(text + result.Error + result.Output, Does.Not.Contain(secret), text);
        }
    }

    [Test]
    public void An_uptime_kuma_push_url_gets_up_on_success_and_down_with_the_reason_on_failure_and_nothing_at_the_start()
    {
        const string Push = "/api/push/Ab12Cd34Ef";
        WriteFile(Path.Combine(Source, "a.txt"), "one");
        WriteConfigPinging(server.Url(Push + "?status=up&msg=OK&ping="));
        CliOk("setup", "data1");

        var ok = CliOk("backup", "data1");
        var requests = server.WaitFor(1, TimeSpan.FromSeconds(5));
        Assert.That(requests.Select(r => r.Method + " " + r.Path + r.Query), Is.EqualTo(new[] { $"GET {Push}?status=up&msg=OK&ping=" }), string.Join("\n", requests));

        WriteConfigPinging(server.Url(Push + "?status=up&msg=OK&ping="), "before_backup = exit 4");
        var failed = Cli("backup", "data1");

        Assert.That(failed.ExitCode, Is.EqualTo(1), failed.ToString());
        requests = server.WaitFor(2, TimeSpan.FromSeconds(5));
        Assert.That(requests, Has.Count.EqualTo(2), string.Join("\n", requests));
        Assert.That(requests[1].Method + " " + requests[1].Path, Is.EqualTo("GET " + Push));
        Assert.That(requests[1].Query, Does.StartWith("?status=down&msg=").And.EndWith("&ping="));
        Assert.That(Uri.UnescapeDataString(requests[1].Query), Does.Contain("before_backup"), requests[1].Query);
        Assert.That(ok.Error + failed.Error, Does.Not.Contain("Ab12Cd34Ef"));
    }

    [Test]
    public void A_dry_run_pings_nothing()
    {
        WriteFile(Path.Combine(Source, "a.txt"), "one");
        WriteConfigPinging(server.Url(Check));
        CliOk("setup", "data1");

        CliOk("backup", "data1", "--dry-run");
        Thread.Sleep(300);

        Assert.That(server.Requests, Is.Empty);
        Assert.That(server.Connections, Is.Zero);
    }
}
