using SnapshotBackup.Core.Notifications;
using SnapshotBackup.Tests.Fixtures;
using SnapshotBackup.Tests.Notifications;

namespace SnapshotBackup.Tests.EndToEnd;

/// <summary>
/// <c>restore</c> into a remote source <c>user@host:/path</c> over a real sshd on 127.0.0.1 (the notification tests'
/// <see cref="SshServer"/> and <see cref="TestUser"/>): the backup and the restore go through rsync over ssh, as the
/// command runs them (<c>ssh -o BatchMode=yes ...</c>); an <c>ssh</c> first in PATH adds only <c>-F</c> with the
/// server's client configuration, since the command's ssh options are fixed.
/// </summary>
[NonParallelizable]
public class RestoreRemoteSourceTests : VolumeTest
{
    private UserAccount _user = null!;
    private SshServer _ssh = null!;
    private string _remote = null!;
    private Dictionary<string, string> _environment = null!;

    [SetUp]
    public async Task StartSshd()
    {
        _user = TestUser.Ensure();
        _ssh = await SshServer.StartAsync(_user);
        Shell.Check("chmod", "755", Loop.Root);
        _remote = Path.Combine(Loop.Root, "remote");
        WriteFile(Path.Combine(_remote, "docs", "a.txt"), "a as backed up");
        WriteFile(Path.Combine(_remote, "top.txt"), "top as backed up");
        Shell.Check("chown", "-R", $"{_user.Uid}:{_user.Gid}", _remote);
        var bin = Path.Combine(Loop.Root, "bin");
        Directory.CreateDirectory(bin);
        var wrapper = Path.Combine(bin, "ssh");
        File.WriteAllText(wrapper, $"#!/bin/sh\nexec /usr/bin/ssh -F '{_ssh.ClientConfig}' \"$@\"\n");
        Shell.Check("chmod", "755", wrapper);
        _environment = new Dictionary<string, string> { ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH") };
        File.WriteAllText(ConfigPath, $"[data1]\nsource = {_user.Name}@127.0.0.1:{_remote}\nbackups = {Backups}\n");
    }

    [TearDown]
    public async Task StopSshd()
    {
        if (_ssh is not null)
        {
            await _ssh.DisposeAsync();
        }
    }

    private Shell.Result Remote(params string[] args)
    {
        var result = CliProcess.Run(_environment, ["-c", ConfigPath, .. args]);
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        return result;
    }

    [Test]
    public void A_remote_file_comes_back_over_ssh_after_a_backup_of_the_remote_source_which_undoes_it()
    {
        Remote("setup", "data1");
        var first = Remote("backup", "data1").Output.Trim();
        File.Delete(Path.Combine(_remote, "docs", "a.txt"));
        File.WriteAllText(Path.Combine(_remote, "top.txt"), "top changed");

        var result = Remote("restore", "data1", Path.Combine(_remote, "docs", "a.txt"), $"{_user.Name}@127.0.0.1:{_remote}/top.txt", "--yes");

        Assert.That(File.ReadAllText(Path.Combine(_remote, "docs", "a.txt")), Is.EqualTo("a as backed up"));
        Assert.That(File.ReadAllText(Path.Combine(_remote, "top.txt")), Is.EqualTo("top as backed up"));
        Assert.That(Shell.Run("stat", "-c", "%u", Path.Combine(_remote, "docs", "a.txt")).Output.Trim(), Is.EqualTo(_user.Uid.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var names = SnapshotNames();
        Assert.That(names, Has.Count.EqualTo(2));
        Assert.That(File.ReadAllText(Path.Combine(Backups, names[1], "top.txt")), Is.EqualTo("top changed"), "the remote source as it was before");
        Assert.That(result.Error, Does.Contain($"taken before restoring docs/a.txt, top.txt from {first}"));

        Remote("restore", "data1", "docs", "top.txt", "--from", names[1], "--delete", "--yes");
        Assert.That(File.Exists(Path.Combine(_remote, "docs", "a.txt")), Is.False, "undone");
        Assert.That(File.ReadAllText(Path.Combine(_remote, "top.txt")), Is.EqualTo("top changed"));
    }
}
