using System.Net.Sockets;
using SnapshotBackup.Tests.Daemon;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.DaemonEndToEnd;

public class DaemonLogTests : DaemonTest
{
    private const string SocketVariable = "SNAPSHOTBACKUPD_JOURNAL_SOCKET";
    private const string Never = "0 0 0 1 1 ? 2099"; // only the catch-up at start runs

    [TestCase(false, TestName = "Log_journal_without_a_journal_socket_falls_back_to_the_console_with_one_warning")]
    [TestCase(true, TestName = "Log_journal_with_a_journal_socket_that_refuses_falls_back_to_the_console_with_one_warning")]
    public void Log_journal_falls_back_to_the_console(bool socketFileExists)
    {
        var directory = Directory.CreateTempSubdirectory("sbd-journal-").FullName;
        try
        {
            var socketPath = Path.Combine(directory, "socket");
            if (socketFileExists)
            {
                // Bound and closed: the file stays, a connect is refused.
                using var dead = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
                dead.Bind(new UnixDomainSocketEndPoint(socketPath));
            }
            WriteConfig(Section("data1", Source, Backups, Never));

            using var daemon = StartDaemon(new Dictionary<string, string> { [SocketVariable] = socketPath }, "--log", "journal");
            daemon.WaitForNotify(n => n == "READY=1", ReadyWait);
            Assert.That(Poll.Until(() => SectionOf("data1")?.LastOutcome == "ok", LongWait), Is.True, daemon.Describe());
            daemon.Signal(DaemonProcess.SigTerm);
            Assert.That(daemon.WaitForExit(TimeSpan.FromSeconds(15)), Is.EqualTo(0), daemon.Describe());

            var warnings = daemon.Lines.Where(l => l.Contains(" WRN ", StringComparison.Ordinal)).ToList();
            Assert.That(warnings, Has.Count.EqualTo(1), daemon.Describe());
            Assert.That(daemon.Lines[0], Is.EqualTo(warnings[0]), "the warning comes first");
            Assert.That(warnings[0], Does.Contain(socketPath));
            Assert.That(daemon.Lines.Count(l => l.Contains(" INF ", StringComparison.Ordinal)), Is.GreaterThan(3), "the rest is logged on the console");
            Assert.That(ErrorLines(daemon), Is.Empty, daemon.Describe());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public void The_last_journal_entry_after_sigterm_says_stopped_with_the_exit_reason_and_code()
    {
        using var journal = DatagramReceiver.BindPath("journal.sock");
        WriteConfig(Section("data1", Source, Backups, Never));

        using var daemon = StartDaemon(new Dictionary<string, string> { [SocketVariable] = journal.Address }, "--log", "journal");
        daemon.WaitForNotify(n => n == "READY=1", ReadyWait);
        Assert.That(Poll.Until(() => SectionOf("data1")?.LastOutcome == "ok", LongWait), Is.True, daemon.Describe());
        // A datagram socket queues at most net.unix.max_dgram_qlen (10) entries; journald reads as they come, so does this.
        var entries = new List<List<JournalField>>();
        while (journal.HasPending())
        {
            entries.Add(JournalEntryReader.Receive(journal.Socket));
        }
        daemon.Signal(DaemonProcess.SigTerm);
        Assert.That(daemon.WaitForExit(TimeSpan.FromSeconds(15)), Is.EqualTo(0), daemon.Describe());

        while (journal.HasPending())
        {
            entries.Add(JournalEntryReader.Receive(journal.Socket));
        }
        string? Field(List<JournalField> entry, string name) => entry.LastOrDefault(f => f.Name == name)?.Value;
        var described = string.Join("\n", entries.Select(e => $"{Field(e, "PRIORITY")} {Field(e, "MESSAGE")}"));

        Assert.That(daemon.Lines, Is.Empty, "everything went to the journal");
        Assert.That(entries, Has.Count.GreaterThan(3), described);
        Assert.That(entries.Select(e => int.Parse(Field(e, "PRIORITY")!, System.Globalization.CultureInfo.InvariantCulture)), Is.All.GreaterThan(3), described);
        var last = entries[^1];
        Assert.That(Field(last, "PRIORITY"), Is.EqualTo("6"), described);
        Assert.That(Field(last, "EXITCODE"), Is.EqualTo("0"), described);
        Assert.That(Field(last, "EXITREASON"), Does.Contain("SIGTERM"), described);
    }
}
