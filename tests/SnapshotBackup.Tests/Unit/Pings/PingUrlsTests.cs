using SnapshotBackup.Core.Engine;
using SnapshotBackup.Core.Pings;
using SnapshotBackup.Core.Runs;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Tests.Unit.Pings;

/// <summary>The URLs a ping_url becomes, how a log line shows one, and which ping ends each kind of run.</summary>
public class PingUrlsTests
{
    private static readonly Uri Hc = new("https://hc-ping.com/5bf66975-d4c7-4bf5-bcc8-b8d8a82ec9f2");

    [TestCase("https://hc-ping.com/5bf66975-d4c7-4bf5-bcc8-b8d8a82ec9f2", PingSignal.Start, "https://hc-ping.com/5bf66975-d4c7-4bf5-bcc8-b8d8a82ec9f2/start")]
    [TestCase("https://hc-ping.com/5bf66975-d4c7-4bf5-bcc8-b8d8a82ec9f2", PingSignal.Success, "https://hc-ping.com/5bf66975-d4c7-4bf5-bcc8-b8d8a82ec9f2")]
    [TestCase("https://hc-ping.com/5bf66975-d4c7-4bf5-bcc8-b8d8a82ec9f2/", PingSignal.Fail, "https://hc-ping.com/5bf66975-d4c7-4bf5-bcc8-b8d8a82ec9f2/fail")]
    [TestCase("https://hc-ping.com/fqOOd6-F4MMNuCEnzTU01w/db-backup?create=1", PingSignal.Log, "https://hc-ping.com/fqOOd6-F4MMNuCEnzTU01w/db-backup/log?create=1")]
    [TestCase("http://hc.lan:8000/ping/abc%20def?rid=1&x=y", PingSignal.Start, "http://hc.lan:8000/ping/abc%20def/start?rid=1&x=y")]
    public void Healthchecks_appends_the_signal_to_the_path_and_keeps_the_query(string url, PingSignal signal, string expected) =>
        Assert.That(PingUrls.Healthchecks(new Uri(url), signal).AbsoluteUri, Is.EqualTo(expected));

    [TestCase("https://kuma.lan/api/push/Ab12Cd34Ef?status=up&msg=OK&ping=", true)]
    [TestCase("https://kuma.lan/api/push/Ab12Cd34Ef", true)]
    [TestCase("https://status.lan/hook?status=up", true)]
    [TestCase("https://hc-ping.com/5bf66975-d4c7-4bf5-bcc8-b8d8a82ec9f2?create=1", false)]
    [TestCase("https://example.com/api/pushes/x", false)]
    public void Uptime_kuma_is_a_push_path_or_a_status_query(string url, bool kuma) =>
        Assert.That(PingUrls.IsUptimeKuma(new Uri(url)), Is.EqualTo(kuma));

    [Test]
    public void Uptime_kuma_sets_status_and_msg_and_keeps_the_other_keys()
    {
        var url = new Uri("https://kuma.lan/api/push/Ab12Cd34Ef?status=up&msg=OK&ping=&x=1");

        Assert.That(PingUrls.UptimeKuma(url, up: true, "OK").AbsoluteUri, Is.EqualTo("https://kuma.lan/api/push/Ab12Cd34Ef?status=up&msg=OK&ping=&x=1"));
        Assert.That(PingUrls.UptimeKuma(url, up: false, "rsync failed: 23 & more").Query, Is.EqualTo("?status=down&msg=rsync%20failed%3A%2023%20%26%20more&ping=&x=1"));
        Assert.That(PingUrls.UptimeKuma(new Uri("https://kuma.lan/api/push/Ab12Cd34Ef"), up: true, "OK").Query, Is.EqualTo("?status=up&msg=OK"));
    }

    [TestCase("https://hc-ping.com/5bf66975-d4c7-4bf5-bcc8-b8d8a82ec9f2/fail?create=1", "https://hc-ping.com/…c9f2/fail")]
    [TestCase("https://hc-ping.com/fqOOd6-F4MMNuCEnzTU01w/db-backup/start", "https://hc-ping.com/…U01w/db-backup/start")]
    [TestCase("http://user:password@hc.lan:8000/ping/5bf66975-d4c7-4bf5-bcc8-b8d8a82ec9f2", "http://hc.lan:8000/ping/…c9f2")]
    [TestCase("https://kuma.lan/api/push/Ab12Cd34Ef?status=up&msg=OK", "https://kuma.lan/api/push/…")]
    [TestCase("https://kuma.lan/api/push/abcdefghijklmnopqrstuvwxyzabcdef", "https://kuma.lan/api/push/…cdef")]
    [TestCase("https://example.com", "https://example.com/")]
    public void Redact_keeps_scheme_host_port_and_words_and_shortens_everything_else(string url, string shown) =>
        Assert.That(PingUrls.Redact(new Uri(url)), Is.EqualTo(shown));

    [Test]
    public void Scrub_removes_the_url_and_its_secrets_from_a_message()
    {
        var url = new Uri("https://user:pw1234@hc.lan/ping/5bf66975-d4c7-4bf5-bcc8-b8d8a82ec9f2?key=SecretKey9");
        var message = $"request to {url.AbsoluteUri} failed; token 5bf66975-d4c7-4bf5-bcc8-b8d8a82ec9f2, key SecretKey9, user user:pw1234";

        var scrubbed = PingUrls.Scrub(message, url);

        Assert.That(scrubbed, Does.Contain("request to https://hc.lan/ping/…c9f2 failed"));
        Assert.That(scrubbed, Does.Not.Contain("d4c7").And.Not.Contain("SecretKey9").And.Not.Contain("pw1234"));
    }

    private static RunResult Result(RunOutcome outcome, Exception? error = null) => new("data1", outcome) { Error = error, SnapshotName = "2026-03-01T12:00:05+00:00" };

    [Test]
    public void Each_outcome_ends_with_its_ping_on_healthchecks()
    {
        string Describe(RunResult r) => HealthPinger.Plan(Hc, r, ["info: a line", "error: the error line"]) is { } p
            ? $"{p.Url.AbsolutePath} {p.Body}" : "nothing";

        Assert.That(Describe(Result(RunOutcome.Succeeded)), Does.StartWith("/5bf66975-d4c7-4bf5-bcc8-b8d8a82ec9f2 snapshot 2026-03-01T12:00:05+00:00\n"));
        Assert.That(Describe(Result(RunOutcome.Failed, new OperationFailedException("rsync failed with exit code 23"))),
            Is.EqualTo("/5bf66975-d4c7-4bf5-bcc8-b8d8a82ec9f2/fail info: a line\nerror: the error line\nfailed: rsync failed with exit code 23\n"));
        Assert.That(Describe(Result(RunOutcome.Failed, new OperationFailedException("the error line"))),
            Is.EqualTo("/5bf66975-d4c7-4bf5-bcc8-b8d8a82ec9f2/fail info: a line\nerror: the error line\n"), "the error already logged is not repeated");
        Assert.That(Describe(Result(RunOutcome.Skipped, new VolumeUnavailableException("backups directory /mnt/usb does not exist"))),
            Is.EqualTo("/5bf66975-d4c7-4bf5-bcc8-b8d8a82ec9f2/log skipped: backups directory /mnt/usb does not exist\n"));
        Assert.That(Describe(Result(RunOutcome.Failed, new VolumeLockedException("backup 'data1' is locked by pid 42"))),
            Is.EqualTo("/5bf66975-d4c7-4bf5-bcc8-b8d8a82ec9f2/log not run: backup 'data1' is locked by pid 42\n"));
        Assert.That(Describe(Result(RunOutcome.Interrupted, new OperationCanceledException("stopped"))),
            Is.EqualTo("/5bf66975-d4c7-4bf5-bcc8-b8d8a82ec9f2/log interrupted: stopped\n"));
    }

    [Test]
    public void Uptime_kuma_hears_only_up_and_down()
    {
        var kuma = new Uri("https://kuma.lan/api/push/Ab12Cd34Ef?status=up&msg=OK&ping=");
        string Describe(RunResult r) => HealthPinger.Plan(kuma, r, ["info: a line"]) is { } p ? $"{p.Url.Query} {p.Body ?? "(no body)"}" : "nothing";

        Assert.That(Describe(Result(RunOutcome.Succeeded)), Is.EqualTo("?status=up&msg=OK&ping= (no body)"));
        Assert.That(Describe(Result(RunOutcome.Failed, new OperationFailedException("rsync failed\nmore"))), Is.EqualTo("?status=down&msg=rsync%20failed&ping= (no body)"));
        Assert.That(Describe(Result(RunOutcome.Skipped, new SourceUnavailableException("gone"))), Is.EqualTo("nothing"));
        Assert.That(Describe(Result(RunOutcome.Failed, new VolumeLockedException("locked"))), Is.EqualTo("nothing"));
        Assert.That(Describe(Result(RunOutcome.Interrupted)), Is.EqualTo("nothing"));
    }

    [Test]
    public void A_long_body_keeps_its_end()
    {
        var log = Enumerable.Range(0, 20).Select(i => $"info: line {i} " + new string('x', 1000)).ToList();

        var body = HealthPinger.Plan(Hc, Result(RunOutcome.Failed, new OperationFailedException("the end")), log)!.Value.Body!;

        Assert.That(body, Has.Length.EqualTo(HealthPinger.MaxBodyChars));
        Assert.That(body, Does.StartWith("…").And.EndWith("failed: the end\n"));
    }

    [TestCase("hc-ping.com/5bf66975-d4c7-4bf5-bcc8-b8d8a82ec9f2", "hc-ping.com/…c9f2")]
    [TestCase("ftp://hc.lan/5bf66975-d4c7-4bf5-bcc8-b8d8a82ec9f2?k=v", "ftp://hc.lan/…c9f2")]
    [TestCase("https:/5bf66975-d4c7-4bf5-bcc8-b8d8a82ec9f2", "https:/…c9f2")]
    [TestCase("user:pw@host/api/push/Ab12Cd34Ef", "host/api/push/…")]
    public void RedactText_hides_the_token_of_a_value_that_is_not_a_url(string value, string shown) =>
        Assert.That(PingUrls.RedactText(value), Is.EqualTo(shown));
}
