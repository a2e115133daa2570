using SnapshotBackup.Core.Retention;

namespace SnapshotBackup.Tests.Unit.Retention;

/// <summary>The pins file: round trip, atomic write, and an unreadable file refused rather than read as "no pins".</summary>
public class PinRecordsTests
{
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("sbpins-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_directory, recursive: true);

    private PinRecords Records => new(_directory);

    [Test]
    public void No_file_reads_as_no_pins()
    {
        Assert.That(Records.Read(), Is.Empty);
    }

    [Test]
    public void Written_pins_read_back_with_notes_and_times_and_leave_no_temporary_file()
    {
        var pinned = new DateTimeOffset(2026, 11, 30, 18, 0, 0, TimeSpan.Zero);
        Records.Write(new Dictionary<string, Pin>
        {
            ["2026-11-30T18:00:00+01:00"] = new("before the upgrade", pinned),
            ["2026-10-01T10:00:00+00:00"] = new(null, pinned),
        });

        var read = Records.Read();

        Assert.That(read, Has.Count.EqualTo(2));
        Assert.That(read["2026-11-30T18:00:00+01:00"], Is.EqualTo(new Pin("before the upgrade", pinned)));
        Assert.That(read["2026-10-01T10:00:00+00:00"].Note, Is.Null);
        Assert.That(Directory.GetFiles(_directory).Select(Path.GetFileName), Is.EqualTo(new[] { PinRecords.FileName }));
        Assert.That(File.ReadAllText(Records.Path), Does.Contain("\"note\": \"before the upgrade\"").And.Contain("\"2026-11-30T18:00:00+01:00\""),
            "snake_case keys and names as they are, for people who read the file");
    }

    [Test]
    public void Writing_no_pins_removes_the_file()
    {
        Records.Write(new Dictionary<string, Pin> { ["a"] = new(null, DateTimeOffset.UnixEpoch) });
        Records.Write(new Dictionary<string, Pin>());

        Assert.That(File.Exists(Records.Path), Is.False);
        Assert.That(Records.Read(), Is.Empty);
    }

    [TestCase("{ not json")]
    [TestCase("null")]
    [TestCase("[1, 2]")]
    [TestCase("{\"2026-11-30T18:00:00+01:00\": null}")]
    [TestCase("")]
    public void A_corrupt_file_throws_a_clear_message_never_reads_as_no_pins(string content)
    {
        File.WriteAllText(Records.Path, content);

        var e = Assert.Throws<PinsUnreadableException>(() => Records.Read());

        Assert.That(e!.Message, Does.Contain(Records.Path).And.Contain("nothing is deleted"));
    }

    [Test]
    public void A_directory_in_place_of_the_file_throws()
    {
        Directory.CreateDirectory(Records.Path);

        Assert.Throws<PinsUnreadableException>(() => Records.Read());
    }
}
