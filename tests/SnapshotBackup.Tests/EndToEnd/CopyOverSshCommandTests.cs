using SnapshotBackup.Tests.Copies.Remote;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.EndToEnd;

/// <summary>
/// The command copying to <c>root@copyhost:/path</c> as a user deploys it: a real sshd on 127.0.0.1 whose
/// authorized_keys binds the key to <c>snapshotbackup serve --copies DIR</c> (the published command), a second btrfs as
/// the remote disk. The command's ssh options are fixed, so an <c>ssh</c> first in PATH adds only <c>-F</c> and the key.
/// </summary>
[NonParallelizable]
public class CopyOverSshCommandTests : VolumeTest
{
    private LoopBtrfs _remoteDisk = null!;
    private CopySshServer _ssh = null!;
    private Dictionary<string, string> _environment = null!;

    private string RemoteCopies => Path.Combine(_remoteDisk.Mount, "copies");

    [SetUp]
    public async Task StartRemote()
    {
        _remoteDisk = LoopBtrfs.Create();
        Directory.CreateDirectory(RemoteCopies);
        _ssh = await CopySshServer.StartAsync(RemoteCopyTests.PublishedCli(), RemoteCopies, "/bin/false");
        var bin = Path.Combine(Loop.Root, "bin");
        Directory.CreateDirectory(bin);
        var wrapper = Path.Combine(bin, "ssh");
        File.WriteAllText(wrapper, $"#!/bin/sh\nexec /usr/bin/ssh -F '{_ssh.ClientConfig}' -i '{_ssh.ForcedKey}' \"$@\"\n");
        Shell.Check("chmod", "755", wrapper);
        _environment = new Dictionary<string, string> { ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH") };
        WriteConfig($"copy_to = root@copyhost:{RemoteCopies}");
    }

    [TearDown]
    public async Task StopRemote()
    {
        if (_ssh is not null)
        {
            await _ssh.DisposeAsync();
        }
        _remoteDisk?.Dispose();
    }

    private Shell.Result Run(params string[] args) => CliProcess.Run(_environment, ["-c", ConfigPath, .. args]);

    [Test]
    public void Backups_are_copied_over_ssh_through_the_forced_command_incrementally_and_equal_their_snapshots()
    {
        CliOk("setup", "data1");
        var data = new byte[2 << 20];
        new Random(3).NextBytes(data);
        File.WriteAllBytes(Path.Combine(Source, "big.bin"), data);
        var first = Run("backup", "data1");
        Assert.That(first.ExitCode, Is.Zero, first.ToString());
        Assert.That(first.Output, Does.Contain("full (no common snapshot)"), first.ToString());
        WriteFile(Path.Combine(Source, "b.txt"), "beta");
        var second = Run("backup", "data1");
        Assert.That(second.ExitCode, Is.Zero, second.ToString());
        var names = SnapshotNames();
        Assert.That(second.Output, Does.Contain($"sent {names[1]}, incremental from {names[0]}"), second.ToString());
        Assert.That(VolumeSnapshots.Names(RemoteCopies), Is.EqualTo(names));
        foreach (var name in names)
        {
            var rsync = Shell.Run("rsync", "-naiHAXc", "--delete", Path.Combine(Backups, name) + "/", Path.Combine(RemoteCopies, name) + "/");
            Assert.That(rsync.Output, Is.Empty, rsync.ToString());
            var source = Shell.Run("btrfs", "subvolume", "show", Path.Combine(Backups, name)).Output;
            var copy = Shell.Run("btrfs", "subvolume", "show", Path.Combine(RemoteCopies, name)).Output;
            var uuid = source.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith("UUID:", StringComparison.Ordinal))["UUID:".Length..].Trim();
            Assert.That(copy, Does.Contain("Received UUID: \t\t" + uuid).Or.Match(@"Received UUID:\s+" + uuid));
        }

        var list = Run("list", "data1");
        Assert.That(list.Output, Does.Contain($"copied to root@copyhost:{RemoteCopies}"), list.ToString());
        var dry = Run("copy", "data1", "--dry-run");
        Assert.That(dry.ExitCode, Is.Zero, dry.ToString());
        Assert.That(dry.Output, Does.Contain("up to date").Or.Contain("0 to send"), dry.ToString());
    }

    [Test]
    public void A_host_that_is_down_is_a_quiet_skip_for_a_backup_and_exit_1_for_copy()
    {
        CliOk("setup", "data1");
        WriteFile(Path.Combine(Source, "a.txt"), "alpha");
        WriteConfig($"copy_to = root@copyhost:{RemoteCopies}");
        File.WriteAllText(Path.Combine(Loop.Root, "bin", "ssh"), $"#!/bin/sh\nexec /usr/bin/ssh -F '{_ssh.ClientConfig}' -i '{_ssh.ForcedKey}' -p {CopySshServer.FreePort()} \"$@\"\n");
        var backup = Run("backup", "data1");
        Assert.That(backup.ExitCode, Is.Zero, backup.ToString());
        Assert.That(backup.Output, Does.Contain("not reachable, skipped"), backup.ToString());
        var copy = Run("copy", "data1");
        Assert.That(copy.ExitCode, Is.EqualTo(1), copy.ToString());
        Assert.That(VolumeSnapshots.Names(RemoteCopies), Is.Empty);
    }
}
