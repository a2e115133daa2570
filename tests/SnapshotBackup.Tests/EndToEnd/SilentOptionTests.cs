using SnapshotBackup.Core.Volume;
using SnapshotBackup.Tests.Daemon;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.EndToEnd;

/// <summary>
/// <c>-s</c> as the original's cron line uses it (<c>snapshotbackup backup home -s</c>): the real command on a real
/// btrfs, logging to a journal stand-in socket (<c>SNAPSHOTBACKUP_JOURNAL_SOCKET</c>) read as journald would.
/// </summary>
public class SilentOptionTests : VolumeTest
{
    private const string SocketVariable = "SNAPSHOTBACKUP_JOURNAL_SOCKET";

    private DatagramReceiver journal = null!;

    [SetUp]
    public void BindJournal() => journal = DatagramReceiver.BindPath("journal.sock");

    [TearDown]
    public void CloseJournal() => journal.Dispose();

    private Shell.Result Run(string socketPath, params string[] args) =>
        CliProcess.Run(new Dictionary<string, string> { [SocketVariable] = socketPath }, ["-c", ConfigPath, .. args]);

    private List<List<JournalField>> Entries()
    {
        var entries = new List<List<JournalField>>();
        while (journal.HasPending())
        {
            entries.Add(JournalEntryReader.Receive(journal.Socket));
        }
        return entries;
    }

    private static string? Field(List<JournalField> entry, string name) => entry.FirstOrDefault(f => f.Name == name)?.Value;

    private static string Describe(List<List<JournalField>> entries) =>
        string.Join("\n", entries.Select(e => string.Join(" ", e.Select(f => f.Name + "=" + f.Value))));

    [Test]
    public void Backup_NAME_s_takes_the_snapshot_says_nothing_on_the_terminal_and_logs_to_the_journal()
    {
        WriteFile(Path.Combine(Source, "a.txt"), "one");
        CliOk("setup", "data1");

        var result = Run(journal.Address, "backup", "data1", "-s");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Error, Is.Empty, result.ToString());
        Assert.That(result.Output, Is.Empty, "cron mails any output; the snapshot's name is in the journal");
        var snapshot = SnapshotNames().Single();
        Assert.That(File.ReadAllText(Path.Combine(Backups, snapshot, "a.txt")), Is.EqualTo("one"));
        var entries = Entries();
        var described = Describe(entries);
        Assert.That(entries, Is.Not.Empty);
        Assert.That(entries.Select(e => Field(e, "SYSLOG_IDENTIFIER")), Is.All.EqualTo("snapshotbackup"), described);
        Assert.That(entries.Select(e => Field(e, "BACKUP")), Is.All.EqualTo("data1"), described);
        Assert.That(entries.Select(e => Field(e, "PRIORITY")), Is.All.EqualTo("6"), described);
        var taken = entries.SingleOrDefault(e => Field(e, "MESSAGE")?.StartsWith($"snapshot {snapshot} taken", StringComparison.Ordinal) == true);
        Assert.That(taken, Is.Not.Null, described);
        Assert.That(Field(taken!, "SNAPSHOT"), Is.EqualTo(snapshot), described);
    }

    [Test]
    public void A_failing_run_with_s_exits_as_without_it_and_its_error_is_in_the_journal_with_priority_3()
    {
        Directory.Delete(Source);
        CliOk("setup", "data1");

        var plain = Run(journal.Address, "backup", "data1");
        Assert.That(Entries(), Is.Empty, "without -s nothing goes to the journal");
        var silent = Run(journal.Address, "backup", "data1", "-s");

        Assert.That(plain.ExitCode, Is.EqualTo(1), plain.ToString());
        Assert.That(silent.ExitCode, Is.EqualTo(plain.ExitCode), silent.ToString());
        Assert.That(silent.Error, Is.Empty, silent.ToString());
        var errorLine = plain.Error.Split('\n').First(l => l.StartsWith("error: ", StringComparison.Ordinal))["error: ".Length..].Trim();
        var entries = Entries();
        var errors = entries.Where(e => Field(e, "PRIORITY") == "3").ToList();
        Assert.That(errors.Select(e => Field(e, "MESSAGE")), Is.EqualTo(new[] { errorLine }), Describe(entries));
        Assert.That(Field(errors[0], "BACKUP"), Is.EqualTo("data1"));
        Assert.That(SnapshotNames(), Is.Empty);
    }

    [Test]
    public void A_usage_error_with_s_exits_2_and_is_in_the_journal()
    {
        var result = Run(journal.Address, "backup", "nosuchsection", "-s");

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Error, Is.Empty, result.ToString());
        var entries = Entries();
        Assert.That(entries.Single(e => Field(e, "PRIORITY") == "3").Select(f => f.Value), Has.Some.Contain("nosuchsection"), Describe(entries));
    }

    [Test]
    public void With_d_and_s_the_journal_gets_debug_lines_and_the_terminal_stays_quiet()
    {
        WriteFile(Path.Combine(Source, "a.txt"), "one");
        CliOk("setup", "data1");

        var result = Run(journal.Address, "-d", "backup", "data1", "-s");

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Error, Is.Empty, result.ToString());
        var entries = Entries();
        Assert.That(entries.Where(e => Field(e, "PRIORITY") == "7").Select(e => Field(e, "MESSAGE")), Has.Some.StartWith("running").And.Some.Contain("rsync"), Describe(entries));
    }

    [Test]
    public void Without_a_journal_s_keeps_errors_on_standard_error_and_a_good_run_quiet()
    {
        WriteFile(Path.Combine(Source, "a.txt"), "one");
        CliOk("setup", "data1");
        var missing = Path.Combine(Loop.Root, "no-journal.sock");

        var good = Run(missing, "backup", "data1", "-s");
        Assert.That(good.ExitCode, Is.Zero, good.ToString());
        Assert.That(good.Error + good.Output, Is.Empty, good.ToString());
        Assert.That(SnapshotNames(), Has.Count.EqualTo(1));

        Directory.Delete(Source, recursive: true);
        var bad = Run(missing, "backup", "data1", "-s");
        Assert.That(bad.ExitCode, Is.EqualTo(1), bad.ToString());
        Assert.That(bad.Error.Trim().Split('\n'), Has.Length.EqualTo(1).And.All.StartWith("error: "), bad.ToString());
    }

    [Test]
    public void List_with_s_still_prints_its_result()
    {
        WriteFile(Path.Combine(Source, "a.txt"), "one");
        CliOk("setup", "data1");
        var name = CliOk("backup", "data1").Output.Trim();
        Assert.That(SnapshotName.TryParse(name, out _), Is.True, name);

        var list = Run(journal.Address, "list", "data1", "-s");

        Assert.That(list.ExitCode, Is.Zero, list.ToString());
        Assert.That(list.Output, Does.Contain(name));
        Assert.That(list.Error, Is.Empty);
    }

    [Test]
    public void The_published_native_command_logs_to_the_journal_too()
    {
        var native = Path.Combine(RepositoryRoot(), "artifacts", "publish", "snapshotbackup");
        if (!File.Exists(native))
        {
            Assert.Ignore("artifacts/publish/snapshotbackup is not built (bash packaging/publish.sh)");
        }
        WriteFile(Path.Combine(Source, "a.txt"), "one");
        CliOk("setup", "data1");

        var result = Shell.Run(native, ["-c", ConfigPath, "backup", "data1", "-s"],
            new Dictionary<string, string> { [SocketVariable] = journal.Address }, TimeSpan.FromMinutes(2));

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Error + result.Output, Is.Empty, result.ToString());
        var snapshot = SnapshotNames().Single();
        var entries = Entries();
        var taken = entries.Single(e => Field(e, "MESSAGE")?.StartsWith($"snapshot {snapshot} taken", StringComparison.Ordinal) == true);
        Assert.That((Field(taken, "SYSLOG_IDENTIFIER"), Field(taken, "BACKUP"), Field(taken, "SNAPSHOT")), Is.EqualTo(("snapshotbackup", "data1", snapshot)), Describe(entries));
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SnapshotBackup.Daemon.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("no repository root above " + AppContext.BaseDirectory);
    }
}
