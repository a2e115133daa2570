using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using SnapshotBackup.Core.Copies;
using SnapshotBackup.Core.Engine;
using SnapshotBackup.Core.Processes;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.Copies.Remote;

/// <summary>
/// Copies over ssh end to end: a real sshd on 127.0.0.1 letting root in with the README's forced-command key line
/// (<c>command="…/snapshotbackup serve --copies DIR",restrict</c>), the published NativeAOT command as the server, a
/// btrfs loop image as the remote target and another as the source; <see cref="RemoteCopyDestination"/> as the client.
/// </summary>
[NonParallelizable]
public sealed class RemoteCopyTests
{
    private const string Host = "root@copyhost";
    private LoopBtrfs _source = null!;
    private LoopBtrfs _target = null!;
    private CopySshServer _ssh = null!;
    private string _copies = null!;
    private string _scratch = null!;

    internal static string PublishedCli()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "SnapshotBackup.Daemon.sln")))
        {
            dir = dir.Parent;
        }
        var native = dir is null ? null : Path.Combine(dir.FullName, "artifacts", "publish", "snapshotbackup");
        if (native is null || !File.Exists(native))
        {
            Assert.Ignore("artifacts/publish/snapshotbackup is not built (bash packaging/publish.sh)");
        }
        return native!;
    }

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        if (Environment.UserName != "root")
        {
            Assert.Ignore("needs root (loop mounts, root's ssh login)");
        }
        var cli = PublishedCli();
        _scratch = Directory.CreateTempSubdirectory("sb-copy-remote-").FullName;
        var fake = Path.Combine(_scratch, "old-serve.sh");
        // An old or foreign server: answers hello with another protocol version.
        await File.WriteAllTextAsync(fake, "#!/bin/sh\nprintf 'snapshotbackup-copies 99\\nversion 9.9.9\\nsend-protocol 1\\n'\n");
        Shell.Check("chmod", "755", fake);
        _source = LoopBtrfs.Create("1G");
        _target = LoopBtrfs.Create("1G");
        _copies = Path.Combine(_target.Mount, "copies");
        Directory.CreateDirectory(_copies);
        _ssh = await CopySshServer.StartAsync(cli, _copies, fake);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_ssh is not null)
        {
            await _ssh.DisposeAsync();
        }
        _target?.Dispose();
        _source?.Dispose();
        if (_scratch is not null)
        {
            Directory.Delete(_scratch, recursive: true);
        }
    }

    [SetUp]
    public void EmptyTarget()
    {
        foreach (var dir in Directory.GetDirectories(_copies).Concat(Directory.Exists(Incoming) ? Directory.GetDirectories(Incoming) : []))
        {
            Shell.Run("btrfs", "property", "set", "-ts", dir, "ro", "false");
            Shell.Run("btrfs", "subvolume", "delete", dir);
        }
    }

    private string Incoming => Path.Combine(_copies, ".incoming");

    private RemoteCopyDestination Destination(string? key = null, IReadOnlyList<string>? extra = null, string? dir = null)
    {
        Assert.That(CopyTarget.TryParse($"{Host}:{dir ?? _copies}", out var target, out var error), Is.True, error);
        return new RemoteCopyDestination(target, new ProcessRunner(NullLogger.Instance), NullLogger.Instance)
        {
            SshOptions = [.. _ssh.Options(key ?? _ssh.ForcedKey), .. extra ?? []],
            ConnectTimeout = TimeSpan.FromSeconds(5),
        };
    }

    /// <summary>A read-only snapshot NAME of the source's data subvolume (made on first use), after <paramref name="change"/>.</summary>
    private (string Path, Guid Uuid) Snapshot(string name, Action<string> change)
    {
        var data = Path.Combine(_source.Mount, "data");
        if (!Directory.Exists(data))
        {
            Shell.Check("btrfs", "subvolume", "create", data);
            Shell.Check("btrfs", "property", "set", data, "compression", "zstd"); // encoded writes in a --compressed-data stream
        }
        change(data);
        var snapshot = Path.Combine(_source.Mount, name);
        Shell.Check("btrfs", "subvolume", "snapshot", "-r", data, snapshot);
        return (snapshot, Show(snapshot).Uuid);
    }

    private static (Guid Uuid, Guid Received, bool ReadOnly) Show(string path)
    {
        var identity = Core.Btrfs.BtrfsManager.Identify(Path.GetDirectoryName(path)!, Path.GetFileName(path))
                       ?? throw new AssertionException(path + " is not a subvolume");
        return (identity.Uuid, identity.ReceivedUuid, identity.ReadOnly);
    }

    private static void Fill(string data, int seed)
    {
        var random = new Random(seed);
        Directory.CreateDirectory(Path.Combine(data, "dir", "deeper"));
        for (var i = 0; i < 20; i++)
        {
            var bytes = new byte[random.Next(0, 300_000)];
            random.NextBytes(bytes);
            File.WriteAllBytes(Path.Combine(data, i % 2 == 0 ? "dir" : "dir/deeper", $"file{i}"), bytes);
        }
        File.WriteAllText(Path.Combine(data, "seed"), seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
        File.WriteAllText(Path.Combine(data, "compressible"), string.Concat(Enumerable.Repeat($"line {seed} of a compressible file\n", 40_000)));
        var hard = Path.Combine(data, "hard");
        if (!File.Exists(hard))
        {
            Shell.Check("ln", Path.Combine(data, "dir", "file0"), hard);
            File.CreateSymbolicLink(Path.Combine(data, "to-etc"), "/etc");
            File.CreateSymbolicLink(Path.Combine(data, "relative"), "dir/file2");
        }
        Shell.Check("chmod", "600", Path.Combine(data, "dir", "file4"));
    }

    /// <summary>btrfs send [-p PARENT] SNAPSHOT into the receive, then completes it.</summary>
    private static async Task<CopyEntry> SendAsync(RemoteCopyDestination destination, string name, Guid uuid, string snapshot, string? parent = null, string[]? options = null)
    {
        await using var receive = await destination.BeginReceiveAsync(name, uuid, CancellationToken.None);
        var info = new ProcessStartInfo("btrfs") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "send", "-q" }.Concat(options ?? []).Concat(parent is null ? [snapshot] : ["-p", parent, snapshot]))
        {
            info.ArgumentList.Add(a);
        }
        using var send = Process.Start(info)!;
        var error = send.StandardError.ReadToEndAsync();
        await send.StandardOutput.BaseStream.CopyToAsync(receive.Input).WaitAsync(TimeSpan.FromMinutes(2));
        await send.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        Assert.That(send.ExitCode, Is.Zero, await error);
        return await receive.CompleteAsync(CancellationToken.None);
    }

    private void AssertCopyEquals(string snapshot, string name, Guid uuid)
    {
        var copy = Path.Combine(_copies, name);
        var (_, received, readOnly) = Show(copy);
        Assert.That(readOnly, Is.True, "the copy is not read-only");
        Assert.That(received, Is.EqualTo(uuid), "received_uuid");
        var rsync = Shell.Run("rsync", "-naHAXci", "--delete", snapshot + "/", copy + "/");
        Assert.That(rsync.ExitCode, Is.Zero, rsync.ToString());
        Assert.That(rsync.Output.Trim(), Is.Empty, "rsync -naHAXc --delete shows differences");
    }

    /// <summary>Every name below the target filesystem, with its kind, for "nothing changed".</summary>
    private string[] TargetTree() =>
        Directory.EnumerateFileSystemEntries(_target.Mount, "*", SearchOption.AllDirectories)
            .Where(p => !p.EndsWith(".snapshotbackup.lock", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToArray();

    [Test]
    public async Task Hello_list_receive_incremental_df_delete_round_trip()
    {
        var one = "2026-11-24T18:07:43+01:00";
        var two = "2026-11-25T18:07:43+01:00";
        var (snapshotOne, uuidOne) = Snapshot(one, d => Fill(d, 1));
        var (snapshotTwo, uuidTwo) = Snapshot(two, d => Fill(d, 2));
        try
        {
            await using var destination = Destination();
            Assert.That(await destination.ConnectAsync(dryRun: false, CancellationToken.None), Is.Empty);
            Assert.That(destination.Hello!.Protocol, Is.EqualTo(CopyProtocol.Version));
            Assert.That(destination.Hello.ProductVersion, Is.EqualTo(RemoteCopyDestination.ProductVersion));
            Assert.That(await destination.ListAsync(CancellationToken.None), Is.Empty);

            var first = await SendAsync(destination, one, uuidOne, snapshotOne);
            Assert.That(first.IsCopy, Is.True);
            Assert.That(first.Identity!.Value.ReceivedUuid, Is.EqualTo(uuidOne));
            AssertCopyEquals(snapshotOne, one, uuidOne);

            // Protocol 2 with compressed data (encoded writes; DATA without a length) where both ends handle it.
            Assert.That(destination.MaxStreamVersion, Is.EqualTo(SendStreamVersion.Local("btrfs", NullLogger.Instance)));
            var second = await SendAsync(destination, two, uuidTwo, snapshotTwo, parent: snapshotOne,
                options: destination.MaxStreamVersion >= 2 ? ["--proto", "2", "--compressed-data"] : null);
            Assert.That(second.Identity!.Value.ReceivedUuid, Is.EqualTo(uuidTwo));
            AssertCopyEquals(snapshotTwo, two, uuidTwo);

            var listed = await destination.ListAsync(CancellationToken.None);
            Assert.That(listed.Select(e => (e.Name, e.IsCopy, e.Identity!.Value.ReceivedUuid)), Is.EqualTo(new[] { (one, true, uuidOne), (two, true, uuidTwo) }));
            Assert.That(Directory.GetFileSystemEntries(Incoming), Is.Empty);
            Assert.That(await destination.FreeBytesAsync(CancellationToken.None), Is.GreaterThan(100_000_000));

            await destination.DeleteAsync(one, CancellationToken.None);
            Assert.That((await destination.ListAsync(CancellationToken.None)).Select(e => e.Name), Is.EqualTo(new[] { two }));
            AssertCopyEquals(snapshotTwo, two, uuidTwo);
        }
        finally
        {
            Shell.Run("btrfs", "subvolume", "delete", snapshotOne, snapshotTwo);
        }
    }

    [Test]
    public async Task The_relay_passes_a_real_stream_byte_for_byte()
    {
        var name = "2026-11-26T10:00:00+00:00";
        var (snapshot, _) = Snapshot(name, d => Fill(d, 3));
        try
        {
            foreach (var options in new[] { new[] { "--proto", "1" }, ["--proto", "2", "--compressed-data"] })
            {
                var file = Path.Combine(_scratch, "stream");
                Shell.Check("btrfs", ["send", "-q", .. options, "-f", file, snapshot]);
                var output = new MemoryStream();
                await using (var input = File.OpenRead(file))
                {
                    await SendStreamValidator.RelayAsync(input, output, name, CancellationToken.None, bufferSize: 64 * 1024);
                }
                Assert.That(output.ToArray(), Is.EqualTo(await File.ReadAllBytesAsync(file)), string.Join(' ', options));
                File.Delete(file);
            }
        }
        finally
        {
            Shell.Run("btrfs", "subvolume", "delete", snapshot);
        }
    }

    [Test]
    public async Task A_cut_receive_leaves_nothing_published_and_the_next_connect_cleans_it()
    {
        var name = "2026-11-27T10:00:00+00:00";
        var (snapshot, uuid) = Snapshot(name, d => Fill(d, 4));
        try
        {
            var file = Path.Combine(_scratch, "cut");
            Shell.Check("btrfs", "send", "-q", "-f", file, snapshot);
            var bytes = await File.ReadAllBytesAsync(file);
            File.Delete(file);
            await using (var destination = Destination())
            {
                await destination.ConnectAsync(dryRun: false, CancellationToken.None);
                var receive = await destination.BeginReceiveAsync(name, uuid, CancellationToken.None);
                await receive.Input.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
                await receive.Input.FlushAsync();
                Assert.That(Poll.Until(() => Directory.Exists(Path.Combine(Incoming, name)), TimeSpan.FromSeconds(20)), Is.True, "the receive did not start");
                await receive.DisposeAsync(); // kills ssh: the server sees the stream cut
            }
            Assert.That(Poll.Until(() => Shell.Run("pgrep", "-f", "btrfs receive .*" + Incoming).ExitCode != 0, TimeSpan.FromSeconds(20)), Is.True,
                "btrfs receive still runs");

            await using var again = Destination();
            Assert.That(await again.ConnectAsync(dryRun: true, CancellationToken.None), Is.EqualTo(new[] { name }), "dry run");
            Assert.That(Directory.Exists(Path.Combine(Incoming, name)), Is.True, "the dry run deleted it");
            Assert.That(await again.ConnectAsync(dryRun: false, CancellationToken.None), Is.EqualTo(new[] { name }));
            Assert.That(Directory.GetFileSystemEntries(Incoming), Is.Empty);
            Assert.That(await again.ListAsync(CancellationToken.None), Is.Empty);
        }
        finally
        {
            Shell.Run("btrfs", "subvolume", "delete", snapshot);
        }
    }

    private static IEnumerable<TestCaseData> HostileStreams()
    {
        const string name = "2026-11-28T10:00:00+00:00";
        yield return new TestCaseData(name, new SendStreamBuilder().BeginSubvolume(name).Mkfile("../escape").Finish(), "leaves its subvolume").SetName("a ../ path over ssh");
        yield return new TestCaseData(name, new SendStreamBuilder().BeginSubvolume(name).Mkfile("/escape").Finish(), "absolute path").SetName("an absolute path over ssh");
        yield return new TestCaseData(name, new SendStreamBuilder().BeginSubvolume("../" + name).Finish(), "leaves its subvolume").SetName("a subvolume ../ over ssh");
        yield return new TestCaseData(name, new SendStreamBuilder().BeginSubvolume("x/" + name).Finish(), "not '" + name + "'").SetName("a subvolume name with / over ssh");
    }

    [TestCaseSource(nameof(HostileStreams))]
    public async Task A_stolen_key_cannot_write_outside_the_directory_with_a_crafted_stream(string name, SendStreamBuilder stream, string why)
    {
        await using var destination = Destination();
        await destination.ConnectAsync(dryRun: false, CancellationToken.None);
        var before = TargetTree();

        var receive = await destination.BeginReceiveAsync(name, Guid.NewGuid(), CancellationToken.None);
        await using (receive)
        {
            try
            {
                await receive.Input.WriteAsync(stream.ToArray());
            }
            catch (IOException)
            {
                // the server refused and hung up first
            }
            var error = Assert.ThrowsAsync<OperationFailedException>(() => receive.CompleteAsync(CancellationToken.None));
            Assert.That(error!.Message, Does.Contain("refused 'receive'").And.Contain(why));
        }

        foreach (var escaped in new[] { Path.Combine(_target.Mount, "escape"), Path.Combine(_copies, "escape"), "/escape", Path.Combine(_target.Mount, name) })
        {
            Assert.That(Path.Exists(escaped), Is.False, escaped);
        }
        Assert.That(await destination.ListAsync(CancellationToken.None), Is.Empty);
        await destination.ConnectAsync(dryRun: false, CancellationToken.None); // cleans what the refused receive began
        Assert.That(TargetTree(), Is.EqualTo(before));
    }

    [Test]
    public async Task A_stolen_key_cannot_write_through_a_symlink_in_the_parent_copy()
    {
        // The validator cannot know the parent's symlinks: btrfs receive runs chrooted into .incoming (-C), so an
        // absolute symlink in the parent copy leads nowhere outside.
        var outside = Path.Combine(_scratch, "outside");
        Directory.CreateDirectory(outside);
        var one = "2026-11-30T10:00:00+00:00";
        var two = "2026-11-30T11:00:00+00:00";
        var (snapshot, uuid) = Snapshot(one, d =>
        {
            Fill(d, 5);
            File.CreateSymbolicLink(Path.Combine(d, "escape"), outside);
        });
        try
        {
            await using var destination = Destination();
            await destination.ConnectAsync(dryRun: false, CancellationToken.None);
            await SendAsync(destination, one, uuid, snapshot);
            var show = Shell.Run("btrfs", "subvolume", "show", Path.Combine(_copies, one)).Output;
            var stransid = ulong.Parse(show.Split('\n').Single(l => l.Trim().StartsWith("Send transid:", StringComparison.Ordinal)).Split(':')[1].Trim(),
                System.Globalization.CultureInfo.InvariantCulture);
            var stream = new SendStreamBuilder().Command(SendStreamBuilder.Snapshot,
                    (SendStreamBuilder.Path, SendStreamBuilder.Text(two)), (SendStreamBuilder.Uuid, Guid.NewGuid().ToByteArray(bigEndian: true)),
                    (SendStreamBuilder.Ctransid, SendStreamBuilder.U64(stransid + 1)), (SendStreamBuilder.CloneUuid, uuid.ToByteArray(bigEndian: true)),
                    (SendStreamBuilder.CloneCtransid, SendStreamBuilder.U64(stransid)))
                .Mkfile("escape/pwned").Finish();

            var receive = await destination.BeginReceiveAsync(two, Guid.NewGuid(), CancellationToken.None);
            await using (receive)
            {
                await receive.Input.WriteAsync(stream.ToArray());
                var error = Assert.ThrowsAsync<OperationFailedException>(() => receive.CompleteAsync(CancellationToken.None));
                TestContext.Progress.WriteLine("the hostile incremental receive: " + error!.Message);
            }
            Assert.That(Directory.GetFileSystemEntries(outside), Is.Empty, "the stream wrote through the parent's symlink");
            Assert.That((await destination.ListAsync(CancellationToken.None)).Select(e => e.Name), Is.EqualTo(new[] { one }));
        }
        finally
        {
            Shell.Run("btrfs", "subvolume", "delete", snapshot);
        }
    }

    [TestCase("id")]
    [TestCase("rsync", "--server", "-logDtpre.iLsfxC", ".", "/tmp/x")]
    [TestCase("sh", "-c", "touch /tmp/sb-copy-remote-pwned")]
    [TestCase("snapshotbackup", "serve", "--copies", "/tmp", "list")]
    [TestCase("snapshotbackup", "serve", "--copies", "/tmp", "clean")]
    [TestCase("snapshotbackup", "serve", "--copies", "COPIES", "list", "extra")]
    [TestCase("snapshotbackup", "serve", "--copies", "COPIES", "delete", "..")]
    [TestCase("snapshotbackup", "serve", "--copies", "COPIES", "delete", ".incoming")]
    [TestCase("snapshotbackup", "serve", "--copies", "COPIES", "list;", "touch", "/tmp/sb-copy-remote-pwned")]
    [TestCase("snapshotbackup", "serve", "--copies", "COPIES", "list", "$(touch /tmp/sb-copy-remote-pwned)")]
    [TestCase("snapshotbackup", "serve", "--copies", "COPIES/..", "list")]
    [TestCase("snapshotbackup", "backup", "data1")]
    [TestCase]
    public void A_stolen_key_cannot_run_another_command(params string[] command)
    {
        var before = TargetTree();
        var words = command.Select(w => w.Replace("COPIES", _copies, StringComparison.Ordinal)).ToArray();

        var result = _ssh.Ssh(_ssh.ForcedKey, words);

        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Output, Is.Empty);
        Assert.That(result.Error.Trim().Split('\n'), Has.Length.EqualTo(1), result.Error);
        Assert.That(result.Error, Does.StartWith("snapshotbackup serve: refused: "));
        Assert.That(File.Exists("/tmp/sb-copy-remote-pwned"), Is.False);
        Assert.That(TargetTree(), Is.EqualTo(before));
    }

    [Test]
    public void The_forced_key_line_is_the_one_the_readme_documents()
    {
        Assert.That(_ssh.ForcedLine, Does.Match("^command=\"/[^\"]+/snapshotbackup serve --copies /[^\"]+\",restrict ssh-ed25519 AAAA"));
        var readme = File.ReadAllText(Path.Combine(Path.GetDirectoryName(PublishedCli())!, "..", "..", "README.md"));
        Assert.That(readme, Does.Contain("command=\"snapshotbackup serve --copies /srv/backups/x\",restrict ssh-ed25519 AAAA"));
    }

    [Test]
    public void A_wrong_key_is_refused_by_sshd()
    {
        var before = TargetTree();
        var error = Assert.ThrowsAsync<OperationFailedException>(async () =>
        {
            await using var destination = Destination(_ssh.WrongKey);
            await destination.ConnectAsync(dryRun: false, CancellationToken.None);
        });
        Assert.That(error!.Message, Does.Contain("Permission denied"));
        Assert.That(_ssh.Ssh(_ssh.WrongKey, "id").ExitCode, Is.EqualTo(255));
        Assert.That(TargetTree(), Is.EqualTo(before));
    }

    [Test]
    public void A_version_mismatch_is_named()
    {
        var error = Assert.ThrowsAsync<OperationFailedException>(async () =>
        {
            await using var destination = Destination(_ssh.FakeKey);
            await destination.ConnectAsync(dryRun: false, CancellationToken.None);
        });
        Assert.That(error!.Message, Is.EqualTo(
            $"the remote snapshotbackup at {Host} is 9.9.9, this is {RemoteCopyDestination.ProductVersion} (copy protocol 99 vs {CopyProtocol.Version}); install the same version"));
    }

    [Test]
    public void Another_program_than_serve_is_named_not_taken_for_a_server()
    {
        // The unrestricted key: the remote shell runs "snapshotbackup serve ..." from its PATH.
        if (new[] { "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin" }.Any(d => File.Exists(Path.Combine(d, "snapshotbackup"))))
        {
            Assert.Ignore("snapshotbackup is installed on this machine's PATH");
        }
        var error = Assert.ThrowsAsync<OperationFailedException>(async () =>
        {
            await using var destination = Destination(_ssh.OpenKey);
            await destination.ConnectAsync(dryRun: false, CancellationToken.None);
        });
        Assert.That(error!.Message, Does.Contain("snapshotbackup is not installed on root@copyhost").And.Contain("install snapshotbackup"));
    }

    [Test]
    public void An_unreachable_host_is_a_quiet_skip_quickly()
    {
        var closed = CopySshServer.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var watch = Stopwatch.StartNew();
        var error = Assert.ThrowsAsync<CopyTargetUnavailableException>(async () =>
        {
            await using var destination = Destination(extra: ["-p", closed]);
            await destination.ConnectAsync(dryRun: false, CancellationToken.None);
        });
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
        Assert.That(error!.Message, Does.Contain("Connection refused"));
    }

    [Test]
    public void A_remote_directory_that_is_not_there_is_a_quiet_skip()
    {
        var away = _copies + ".away";
        Directory.Move(_copies, away); // its disk unplugged, say
        try
        {
            var error = Assert.ThrowsAsync<CopyTargetUnavailableException>(async () =>
            {
                await using var destination = Destination();
                await destination.ConnectAsync(dryRun: false, CancellationToken.None);
            });
            Assert.That(error!.Message, Does.Contain(_copies));
            Assert.That(Directory.Exists(_copies), Is.False, "connect made the directory");
        }
        finally
        {
            Directory.Move(away, _copies);
        }
    }

    [Test]
    public void A_directory_other_than_the_forced_one_is_refused()
    {
        var error = Assert.ThrowsAsync<OperationFailedException>(async () =>
        {
            await using var destination = Destination(dir: _target.Mount);
            await destination.ConnectAsync(dryRun: false, CancellationToken.None);
        });
        Assert.That(error!.Message, Does.Contain("refused").And.Contain("this key serves only " + _copies));
    }

    [Test]
    public void Cancellation_kills_ssh()
    {
        using var cancel = new CancellationTokenSource();
        var receiveTask = Task.Run(async () =>
        {
            await using var destination = Destination();
            await destination.ConnectAsync(dryRun: false, CancellationToken.None);
            var receive = await destination.BeginReceiveAsync("2026-11-29T10:00:00+00:00", Guid.NewGuid(), cancel.Token);
            await using (receive)
            {
                await receive.Input.WriteAsync(new SendStreamBuilder().BeginSubvolume("2026-11-29T10:00:00+00:00").ToArray());
                await receive.Input.FlushAsync();
                await cancel.CancelAsync();
                return await receive.CompleteAsync(cancel.Token);
            }
        });
        Assert.That(async () => await receiveTask.WaitAsync(TimeSpan.FromSeconds(30)), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(Poll.Until(() => Shell.Run("pgrep", "-f", "serve --copies " + _copies).ExitCode != 0, TimeSpan.FromSeconds(20)), Is.True,
            "the server still runs after the client was cancelled");
    }
}
