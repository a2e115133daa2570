using System.Diagnostics;

namespace SnapshotBackup.Tests.Daemon;

[TestFixture]
public class DBusDaemonFixtureTests
{
    [Test]
    public async Task The_fixture_starts_a_private_bus_that_accepts_connections()
    {
        await using DBusDaemonFixture bus = await DBusDaemonFixture.StartAsync();

        using var connection = await bus.ConnectAsync();

        Assert.Multiple(() =>
        {
            Assert.That(bus.Address, Does.StartWith("unix:path=" + bus.SocketPath));
            Assert.That(Path.Exists(bus.SocketPath), Is.True);
            Assert.That(connection.UniqueName, Does.StartWith(":"));
        });
    }

    [Test]
    public async Task Disposing_the_fixture_kills_the_daemon_and_removes_the_temp_directory()
    {
        DBusDaemonFixture bus = await DBusDaemonFixture.StartAsync();
        int pid = bus.ProcessId;
        string directory = bus.TempDirectory;

        bus.Dispose();

        Assert.That(Directory.Exists(directory), Is.False);
        Assert.That(IsRunning(pid), Is.False);
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
