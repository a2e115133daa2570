using SnapshotBackup.Daemon.Logging;

namespace SnapshotBackup.Tests.Daemon;

public class JournaldDetectorTests
{
    private static readonly string Missing = Path.Combine(Path.GetTempPath(), "sbd-missing-" + Guid.NewGuid().ToString("N"));

    [Test]
    public void Journal_is_used_when_JOURNAL_STREAM_is_set() =>
        Assert.That(JournaldDetector.ShouldUseJournal(k => k == "JOURNAL_STREAM" ? "8:12345" : null, Missing), Is.True);

    [Test]
    public void Journal_is_used_when_the_journal_socket_exists()
    {
        using var receiver = DatagramReceiver.BindPath();

        Assert.That(JournaldDetector.ShouldUseJournal(_ => null, receiver.Address), Is.True);
    }

    [Test]
    public void Journal_is_not_used_without_JOURNAL_STREAM_or_socket() =>
        Assert.That(JournaldDetector.ShouldUseJournal(_ => null, Missing), Is.False);
}
