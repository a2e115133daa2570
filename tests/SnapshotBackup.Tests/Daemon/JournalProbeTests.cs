using System.Net.Sockets;
using SnapshotBackup.Core.Logging;

namespace SnapshotBackup.Tests.Daemon;

public class JournalProbeTests
{
    [Test]
    public void A_listening_socket_is_available()
    {
        using var receiver = DatagramReceiver.BindPath();

        Assert.That(JournalProbe.WhyUnavailable(receiver.Address), Is.Null);
    }

    [Test]
    public void A_missing_socket_is_unavailable_and_the_reason_names_it()
    {
        var missing = Path.Combine(Path.GetTempPath(), "sbd-missing-" + Guid.NewGuid().ToString("N"));

        Assert.That(JournalProbe.WhyUnavailable(missing), Does.Contain(missing));
    }

    [Test]
    public void A_socket_file_nobody_receives_on_is_unavailable()
    {
        var directory = Directory.CreateTempSubdirectory("sbd-test-").FullName;
        try
        {
            var path = Path.Combine(directory, "socket");
            using (var dead = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified))
            {
                dead.Bind(new UnixDomainSocketEndPoint(path));
            }

            Assert.That(JournalProbe.WhyUnavailable(path), Does.Contain(path));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
