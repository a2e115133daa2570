using SnapshotBackup.Core.Notifications;

namespace SnapshotBackup.Tests.Unit;

public class SessionBusAddressTests
{
    [TestCase("unix:path=/run/user/1000/bus", "/run/user/1000/bus", "unix:path=/run/user/1000/bus")]
    [TestCase("unix:path=/run/user/1000/bus,guid=0123456789abcdef", "/run/user/1000/bus", "unix:path=/run/user/1000/bus")]
    [TestCase("unix:guid=ab,path=/tmp/a%20b%25c", "/tmp/a b%c", "unix:path=/tmp/a%20b%25c")]
    [TestCase("tcp:host=localhost,port=1;unix:path=/run/user/1000/bus", "/run/user/1000/bus", "unix:path=/run/user/1000/bus")]
    [TestCase("unix:path=/tmp/%C3%BC", "/tmp/ü", "unix:path=/tmp/%C3%BC")]
    public void The_first_unix_path_entry_is_the_socket(string text, string socketPath, string childAddress)
    {
        var address = SessionBusAddress.Parse(text, out var why);
        Assert.That(why, Is.Null);
        Assert.That((address?.SocketPath, address?.ChildAddress, address?.Text), Is.EqualTo((socketPath, childAddress, text)));
    }

    [TestCase("unix:abstract=/tmp/dbus-XYZ,guid=1", "unix:abstract,guid")]
    [TestCase("tcp:host=127.0.0.1,port=1234", "tcp:")]
    [TestCase("unix:path=relative/bus", "not an absolute path")]
    [TestCase("unix:path=/tmp/%ZZ", "bad %-escape")]
    [TestCase("garbage", "'garbage' is not of the form transport:key=value")]
    [TestCase(" ; ", "it is empty")]
    public void Any_other_address_is_refused_with_the_reason(string text, string reason)
    {
        Assert.That(SessionBusAddress.Parse(text, out var why), Is.Null);
        Assert.That(why, Does.Contain(reason));
    }
}
