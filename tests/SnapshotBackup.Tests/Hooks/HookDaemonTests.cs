using SnapshotBackup.Tests.Daemon;
using SnapshotBackup.Tests.DaemonEndToEnd;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.Hooks;

/// <summary>
/// The daemon runs the hooks as the command does: each line of a hook's output is a journal entry with the section in
/// its BACKUP= field, and a failing before_backup is recorded in the state file with the hook's last lines.
/// </summary>
public class HookDaemonTests : DaemonTest
{
    private const string SocketVariable = "SNAPSHOTBACKUPD_JOURNAL_SOCKET";
    private const string Never = "0 0 0 1 1 ? 2099"; // only the catch-up at start runs

    [Test]
    public void Hook_output_reaches_the_journal_line_by_line_with_the_backup_field_and_a_failure_is_recorded()
    {
        var source2 = Path.Combine(Loop.Root, "source2");
        Directory.CreateDirectory(source2);
        File.WriteAllText(Path.Combine(source2, "b.txt"), "two");
        var backups2 = Path.Combine(Loop.Mount, "backups", "data2");
        Directory.CreateDirectory(backups2);
        using var journal = DatagramReceiver.BindPath("journal.sock");
        WriteConfig(
            Section("data1", Source, Backups, Never,
                "before_backup = echo \"dumping $SNAPSHOTBACKUP_NAME\"; echo 'dump warning on stderr' >&2\nafter_backup = echo \"took $SNAPSHOTBACKUP_SNAPSHOT\""),
            Section("data2", source2, backups2, Never, "before_backup = echo 'replica unreachable'; exit 4"));

        // Read as the daemon writes: a datagram socket queues only a few entries (net.unix.max_dgram_qlen).
        var entries = new List<List<JournalField>>();
        using var done = new CancellationTokenSource();
        var reader = Task.Run(() =>
        {
            while (!done.IsCancellationRequested || journal.HasPending())
            {
                if (journal.HasPending(100_000))
                {
                    entries.Add(JournalEntryReader.Receive(journal.Socket));
                }
            }
        });
        using var daemon = StartDaemon(new Dictionary<string, string> { [SocketVariable] = journal.Address }, "--log", "journal");
        daemon.WaitForNotify(n => n == "READY=1", ReadyWait);
        Assert.That(Poll.Until(() => SectionOf("data1")?.LastOutcome == "ok" && SectionOf("data2")?.LastOutcome == "failed", LongWait), Is.True,
            daemon.Describe());
        daemon.Signal(DaemonProcess.SigTerm);
        Assert.That(daemon.WaitForExit(TimeSpan.FromSeconds(15)), Is.EqualTo(0), daemon.Describe());

        done.Cancel();
        Assert.That(reader.Wait(TimeSpan.FromSeconds(10)), Is.True);
        static string? Field(List<JournalField> entry, string name) => entry.LastOrDefault(f => f.Name == name)?.Value;
        var described = string.Join("\n", entries.Select(e => $"{Field(e, "PRIORITY")} BACKUP={Field(e, "BACKUP")} {Field(e, "MESSAGE")}"));
        List<string?> Backup(string message) => entries.Where(e => Field(e, "MESSAGE") == message).Select(e => Field(e, "BACKUP")).ToList();

        var snapshot = SectionOf("data1")!.LastSnapshot;
        Assert.That(Backup("before_backup: dumping data1"), Is.EqualTo(new[] { "data1" }), described);
        Assert.That(Backup("before_backup: dump warning on stderr"), Is.EqualTo(new[] { "data1" }), described);
        Assert.That(Backup($"after_backup: took {snapshot}"), Is.EqualTo(new[] { "data1" }), described);
        Assert.That(Backup("before_backup: replica unreachable"), Is.EqualTo(new[] { "data2" }), described);
        Assert.That(Snapshots(Backups), Is.EqualTo(new[] { snapshot }));
        Assert.That(Snapshots(backups2), Is.Empty);
        var failure = SectionOf("data2")!.LastFailureReason;
        Assert.That(failure, Does.StartWith("before_backup hook failed with exit code 4").And.EndWith("its last output: replica unreachable; no backup taken"));
    }
}
