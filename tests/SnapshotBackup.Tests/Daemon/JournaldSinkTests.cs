using Serilog;
using Serilog.Events;
using SnapshotBackup.Daemon.Logging;

namespace SnapshotBackup.Tests.Daemon;

public class JournaldSinkTests
{
    private DatagramReceiver receiver = null!;

    [SetUp]
    public void SetUp() => receiver = DatagramReceiver.BindPath("journal.sock");

    [TearDown]
    public void TearDown() => receiver.Dispose();

    private Serilog.Core.Logger CreateLogger(string identifier = JournaldSink.DefaultSyslogIdentifier) =>
        new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Journald(identifier, receiver.Address).CreateLogger();

    private static string Field(List<JournalField> fields, string name) => fields.Single(f => f.Name == name).Value;

    [Test]
    public void An_event_arrives_as_one_datagram_with_message_priority_identifier_and_property_fields()
    {
        using (var logger = CreateLogger())
        {
            logger.Information("Backup {Backup} finished in {Seconds} s", "data1", 12.5);
        }

        var fields = JournalEntryReader.Receive(receiver.Socket);

        Assert.Multiple(() =>
        {
            Assert.That(Field(fields, "MESSAGE"), Is.EqualTo("Backup data1 finished in 12.5 s"));
            Assert.That(Field(fields, "PRIORITY"), Is.EqualTo("6"));
            Assert.That(Field(fields, "SYSLOG_IDENTIFIER"), Is.EqualTo("snapshotbackupd"));
            Assert.That(Field(fields, "BACKUP"), Is.EqualTo("data1"));
            Assert.That(Field(fields, "SECONDS"), Is.EqualTo("12.5"));
            Assert.That(fields.Where(f => f.Name is "MESSAGE" or "BACKUP").Select(f => f.Binary), Is.All.False);
            Assert.That(receiver.HasPending(), Is.False, "exactly one datagram per event");
        });
    }

    [Test]
    public void The_syslog_identifier_is_configurable_and_source_context_becomes_a_field()
    {
        using (var logger = CreateLogger("sbtest"))
        {
            logger.ForContext<JournaldSinkTests>().Warning("careful");
        }

        var fields = JournalEntryReader.Receive(receiver.Socket);

        Assert.Multiple(() =>
        {
            Assert.That(Field(fields, "SYSLOG_IDENTIFIER"), Is.EqualTo("sbtest"));
            Assert.That(Field(fields, "SOURCECONTEXT"), Is.EqualTo(typeof(JournaldSinkTests).FullName));
            Assert.That(Field(fields, "PRIORITY"), Is.EqualTo("4"));
        });
    }

    [TestCase(LogEventLevel.Verbose, 7)]
    [TestCase(LogEventLevel.Debug, 7)]
    [TestCase(LogEventLevel.Information, 6)]
    [TestCase(LogEventLevel.Warning, 4)]
    [TestCase(LogEventLevel.Error, 3)]
    [TestCase(LogEventLevel.Fatal, 2)]
    public void Levels_map_to_syslog_priorities(LogEventLevel level, int priority)
    {
        using (var logger = CreateLogger())
        {
            logger.Write(level, "level test");
        }

        Assert.That(Field(JournalEntryReader.Receive(receiver.Socket), "PRIORITY"), Is.EqualTo(priority.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Test]
    public void A_multi_line_message_uses_the_binary_form()
    {
        using (var logger = CreateLogger())
        {
            logger.Information("first line\nsecond line with = sign");
        }

        var message = JournalEntryReader.Receive(receiver.Socket).Single(f => f.Name == "MESSAGE");

        Assert.That(message.Binary, Is.True);
        Assert.That(message.Value, Is.EqualTo("first line\nsecond line with = sign"));
    }

    [Test]
    public void Exception_text_is_appended_to_the_message()
    {
        using (var logger = CreateLogger())
        {
            try
            {
                throw new InvalidOperationException("rsync exploded");
            }
            catch (InvalidOperationException ex)
            {
                logger.Error(ex, "Backup {Backup} failed", "data1");
            }
        }

        var fields = JournalEntryReader.Receive(receiver.Socket);
        var message = Field(fields, "MESSAGE");

        Assert.Multiple(() =>
        {
            Assert.That(message, Does.StartWith("Backup data1 failed\nSystem.InvalidOperationException: rsync exploded"));
            Assert.That(message, Does.Contain(nameof(Exception_text_is_appended_to_the_message)));
            Assert.That(Field(fields, "PRIORITY"), Is.EqualTo("3"));
        });
    }

    [Test]
    public void A_one_megabyte_message_arrives_whole_through_a_sealed_memfd()
    {
        var big = new string('x', 1024 * 1024);
        using (var logger = CreateLogger())
        {
            logger.Information("{Big} end", big);
        }

        var fields = JournalEntryReader.Receive(receiver.Socket, out var viaMemfd);

        Assert.Multiple(() =>
        {
            Assert.That(viaMemfd, Is.True);
            Assert.That(Field(fields, "MESSAGE"), Is.EqualTo(big + " end"));
            Assert.That(Field(fields, "BIG"), Has.Length.EqualTo(big.Length));
            Assert.That(Field(fields, "PRIORITY"), Is.EqualTo("6"));
        });
    }

    [Test]
    public void Without_memfd_an_oversized_message_is_truncated_with_a_marker()
    {
        var big = new string('y', 1024 * 1024);
        using (var logger = new LoggerConfiguration()
                   .WriteTo.Sink(new JournaldSink(socketPath: receiver.Address) { UseMemfd = false })
                   .CreateLogger())
        {
            logger.Information(big);
        }

        var fields = JournalEntryReader.Receive(receiver.Socket, out var viaMemfd);
        var message = Field(fields, "MESSAGE");

        Assert.Multiple(() =>
        {
            Assert.That(viaMemfd, Is.False);
            Assert.That(message, Does.StartWith(new string('y', JournaldSink.TruncatedMessageBytes)));
            Assert.That(message, Does.EndWith($" … [truncated {big.Length - JournaldSink.TruncatedMessageBytes} bytes]"));
        });
    }

    [Test]
    public void Logging_to_a_missing_socket_does_not_throw()
    {
        var missing = Path.Combine(Path.GetTempPath(), "sbd-missing-" + Guid.NewGuid().ToString("N"));
        using var sink = new JournaldSink(socketPath: missing);
        using var logger = new LoggerConfiguration().WriteTo.Sink(sink).CreateLogger();

        Assert.DoesNotThrow(() =>
        {
            logger.Information("nobody listens");
            logger.Information("{Big}", new string('z', 1024 * 1024));
        });
    }

    [TestCase("Backup", "BACKUP")]
    [TestCase("sourceContext", "SOURCECONTEXT")]
    [TestCase("elapsed-ms", "ELAPSED_MS")]
    [TestCase("Größe", "GR__E")]
    [TestCase("_private", "P__PRIVATE")]
    [TestCase("1st", "P_1ST")]
    [TestCase("Message", "P_MESSAGE")]
    [TestCase("Priority", "P_PRIORITY")]
    public void Property_names_become_valid_journal_field_names(string property, string field) =>
        Assert.That(JournaldSink.FieldName(property), Is.EqualTo(field));

    [Test]
    public void Long_property_names_are_cut_to_64_characters() =>
        Assert.That(JournaldSink.FieldName(new string('a', 100)), Is.EqualTo(new string('A', 64)));
}
