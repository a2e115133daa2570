using SnapshotBackup.Core.Processes;

namespace SnapshotBackup.Tests.Unit;

[NonParallelizable]
public class ProcessStartInfoTests
{
    [Test]
    public void A_command_runs_from_its_argument_list_under_setpriv_so_it_dies_with_us()
    {
        var info = ProcessRunner.BuildStartInfo(new ExternalCommand("rsync", ["-a", "--", "/a b/", "/c;d/"]), inheritStandardError: false);

        Assert.That(SetPriv.IsInstalled, Is.True, "setpriv (util-linux) is installed on every test machine");
        Assert.That(info.FileName, Is.EqualTo(SetPriv.Path));
        Assert.That(info.ArgumentList, Is.EqualTo(new[] { "--pdeathsig", "KILL", "--", "rsync", "-a", "--", "/a b/", "/c;d/" }));
        Assert.That(info.UseShellExecute, Is.False);
        Assert.That(info.RedirectStandardError, Is.True);
    }

    [Test]
    public void The_child_never_inherits_systemds_notify_socket_but_gets_its_own_variables()
    {
        Environment.SetEnvironmentVariable("NOTIFY_SOCKET", "/run/systemd/notify");
        try
        {
            var command = new ExternalCommand("true", []) { Environment = new Dictionary<string, string> { ["LC_ALL"] = "C" } };

            var info = ProcessRunner.BuildStartInfo(command, inheritStandardError: true);

            Assert.That(info.Environment.ContainsKey("NOTIFY_SOCKET"), Is.False);
            Assert.That(info.Environment["LC_ALL"], Is.EqualTo("C"));
            Assert.That(info.RedirectStandardError, Is.False);
        }
        finally
        {
            Environment.SetEnvironmentVariable("NOTIFY_SOCKET", null);
        }
    }
}
