using Microsoft.Extensions.Logging;
using SnapshotBackup.Cli;
using SnapshotBackup.Core.Logging;
using SnapshotBackup.Tests.Daemon;

namespace SnapshotBackup.Tests.Unit;

/// <summary>The command's <c>-s</c> logger over the shared journal writer, against a journal stand-in socket.</summary>
public class JournalLoggerTests
{
    private DatagramReceiver receiver = null!;

    [SetUp]
    public void SetUp() => receiver = DatagramReceiver.BindPath("journal.sock");

    [TearDown]
    public void TearDown() => receiver.Dispose();

    private static string Field(List<JournalField> fields, string name) => fields.Single(f => f.Name == name).Value;

    private static (ILogger Logger, StringWriter Fallback, JournalWriter Writer) Create(string socketPath, LogLevel minimum = LogLevel.Information)
    {
        var fallback = new StringWriter();
        var writer = new JournalWriter(socketPath);
        return (new JournalLogger(writer, minimum, [new("BACKUP", "data1")], new ConsoleLogger(LogLevel.Warning, fallback)), fallback, writer);
    }

    [Test]
    public void An_entry_carries_the_identifier_the_priority_the_message_the_section_and_the_template_values()
    {
        var (logger, fallback, writer) = Create(receiver.Address);
        using (writer)
        {
            logger.LogInformation("snapshot {Snapshot} taken ({Bytes} bytes transferred by rsync in {Seconds:0.0} s)", "2024-01-02T03:04:05+00:00", 1234L, 12.5);
        }

        var fields = JournalEntryReader.Receive(receiver.Socket);

        Assert.Multiple(() =>
        {
            Assert.That(Field(fields, "SYSLOG_IDENTIFIER"), Is.EqualTo("snapshotbackup"));
            Assert.That(Field(fields, "PRIORITY"), Is.EqualTo("6"));
            Assert.That(Field(fields, "MESSAGE"), Is.EqualTo("snapshot 2024-01-02T03:04:05+00:00 taken (1234 bytes transferred by rsync in 12.5 s)"));
            Assert.That(Field(fields, "BACKUP"), Is.EqualTo("data1"));
            Assert.That(Field(fields, "SNAPSHOT"), Is.EqualTo("2024-01-02T03:04:05+00:00"));
            Assert.That(Field(fields, "BYTES"), Is.EqualTo("1234"));
            Assert.That(Field(fields, "SECONDS"), Is.EqualTo("12.5"));
            Assert.That(fields.Select(f => f.Name), Does.Not.Contain("{ORIGINALFORMAT}").And.Not.Contain("_ORIGINALFORMAT_"));
            Assert.That(receiver.HasPending(), Is.False, "one datagram per line");
            Assert.That(fallback.ToString(), Is.Empty);
        });
    }

    [Test]
    public void A_backup_value_in_the_template_does_not_repeat_the_field()
    {
        var (logger, _, writer) = Create(receiver.Address);
        using (writer)
        {
            logger.LogWarning("backup {Backup}: could not notify {Target}", "data1", "alice");
        }

        var fields = JournalEntryReader.Receive(receiver.Socket);

        Assert.That(fields.Count(f => f.Name == "BACKUP"), Is.EqualTo(1));
        Assert.That(Field(fields, "TARGET"), Is.EqualTo("alice"));
        Assert.That(Field(fields, "PRIORITY"), Is.EqualTo("4"));
    }

    [TestCase(LogLevel.Trace, 7)]
    [TestCase(LogLevel.Debug, 7)]
    [TestCase(LogLevel.Information, 6)]
    [TestCase(LogLevel.Warning, 4)]
    [TestCase(LogLevel.Error, 3)]
    [TestCase(LogLevel.Critical, 2)]
    public void Levels_map_to_the_priorities_the_daemon_uses(LogLevel level, int priority)
    {
        var (logger, _, writer) = Create(receiver.Address, LogLevel.Trace);
        using (writer)
        {
            logger.Log(level, "level test");
        }

        Assert.That(Field(JournalEntryReader.Receive(receiver.Socket), "PRIORITY"), Is.EqualTo(priority.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Test]
    public void Lines_below_the_level_are_not_sent()
    {
        var (logger, _, writer) = Create(receiver.Address);
        using (writer)
        {
            logger.LogDebug("not wanted");
        }

        Assert.That(receiver.HasPending(100_000), Is.False);
    }

    [Test]
    public void When_the_journal_does_not_take_a_line_warnings_and_errors_go_to_standard_error_and_the_rest_is_dropped()
    {
        var missing = Path.Combine(Path.GetTempPath(), "sb-missing-" + Guid.NewGuid().ToString("N"));
        var (logger, fallback, writer) = Create(missing);
        using (writer)
        {
            logger.LogInformation("progress");
            logger.LogWarning("careful");
            logger.LogError("{Message}", "source /x is not reachable");
        }

        Assert.That(fallback.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries),
            Is.EqualTo(new[] { "warning: careful", "error: source /x is not reachable" }));
    }

    [Test]
    public void With_s_and_no_journal_only_warnings_and_errors_reach_standard_error_and_d_lowers_that()
    {
        var missing = Path.Combine(Path.GetTempPath(), "sb-missing-" + Guid.NewGuid().ToString("N"));
        string Run(params string[] args)
        {
            using var error = new StringWriter();
            using var logging = CliLogging.Create(CliArguments.Parse(args), error, k => k == JournalLogger.SocketVariable ? missing : null);
            Assert.That(logging.ToJournal, Is.False);
            logging.Logger.LogDebug("detail");
            logging.Logger.LogInformation("progress");
            logging.Logger.LogError("broken");
            return error.ToString();
        }

        Assert.That(Run("-s", "list", "x"), Is.EqualTo("error: broken" + Environment.NewLine));
        Assert.That(Run("-s", "-d", "list", "x"), Does.Contain("debug: -s: the journal cannot be reached").And.Contain(missing)
            .And.Contain("debug: detail").And.Contain("progress").And.Contain("error: broken"));
    }

    [Test]
    public void With_s_and_a_journal_nothing_reaches_standard_error_and_d_raises_the_journals_level()
    {
        List<List<JournalField>> Run(params string[] args)
        {
            using var error = new StringWriter();
            using (var logging = CliLogging.Create(CliArguments.Parse(args), error, k => k == JournalLogger.SocketVariable ? receiver.Address : null))
            {
                Assert.That(logging.ToJournal, Is.True);
                logging.Logger.LogTrace("more detail");
                logging.Logger.LogDebug("detail");
                logging.Logger.LogError("broken");
            }
            Assert.That(error.ToString(), Is.Empty);
            var entries = new List<List<JournalField>>();
            while (receiver.HasPending())
            {
                entries.Add(JournalEntryReader.Receive(receiver.Socket));
            }
            return entries;
        }

        Assert.That(Run("list", "x", "-s").Select(e => Field(e, "MESSAGE")), Is.EqualTo(new[] { "broken" }));
        Assert.That(Run("list", "x", "-s", "-d").Select(e => Field(e, "MESSAGE")), Is.EqualTo(new[] { "detail", "broken" }));
        Assert.That(Run("list", "x", "-s", "-dd").Select(e => Field(e, "MESSAGE")), Is.EqualTo(new[] { "more detail", "detail", "broken" }));
    }
}
