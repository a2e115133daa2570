using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Core.Internal;
using SnapshotBackup.Core.Processes;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Tests.Unit.Btrfs;

/// <summary>
/// The sudo fallback's decisions with the kernel, sudo and the mount table faked: when sudo runs, with which argument
/// list, what is logged, and what a deletion that fails both ways says. No root, no btrfs, no sudo.
/// </summary>
public class SudoBtrfsTests
{
    private const string Volume = "/mnt/backups/data1";
    private const string First = "2026-06-01T10:00:00+00:00";
    private const string Second = "2026-06-01T11:00:00+00:00";

    private static readonly SudoBtrfsCommand Command = new("/usr/bin/sudo", "/usr/bin/btrfs", "foo");

    private Mock<IBtrfsManager> _kernel = null!;
    private Mock<IBtrfsDirectory> _directory = null!;
    private HashSet<string> _present = null!;
    private List<ExternalCommand> _sudoRuns = null!;
    private Func<ExternalCommand, ProcessResult> _sudo = null!;
    private MountedFileSystem? _mount;
    private RecordingLogger _logger = null!;
    private Runs.FakeClock _clock = null!;

    [SetUp]
    public void SetUp()
    {
        _present = new HashSet<string>(StringComparer.Ordinal) { First, Second };
        _kernel = new Mock<IBtrfsManager>();
        _directory = new Mock<IBtrfsDirectory>();
        _kernel.Setup(k => k.OpenDirectory(Volume)).Returns(_directory.Object);
        _kernel.Setup(k => k.Inspect(Volume, It.IsAny<string>()))
            .Returns((string _, string n) => _present.Contains(n) ? SubvolumeKind.ReadOnlySubvolume : SubvolumeKind.Missing);
        KernelRefuses(LibC.EPERM);
        _sudoRuns = [];
        _sudo = c =>
        {
            _present.Remove(Path.GetFileName(c.Arguments[^1]));
            return new ProcessResult(0, string.Empty, TimeSpan.FromMilliseconds(20), false);
        };
        _mount = new MountedFileSystem("/mnt", "btrfs", ["rw", "relatime", "space_cache=v2", "subvolid=5"]);
        _logger = new RecordingLogger();
        _clock = new Runs.FakeClock(new DateTimeOffset(2026, 6, 15, 12, 0, 0, TimeSpan.Zero));
    }

    private void KernelRefuses(int errno)
    {
        var error = new BtrfsException($"cannot delete subvolume: {LibC.ErrorText(errno)}", errno);
        _kernel.Setup(k => k.DeleteSubvolume(Volume, It.IsAny<string>())).Throws(error);
        _directory.Setup(d => d.DeleteSubvolume(It.IsAny<string>())).Throws(error);
    }

    private SudoBtrfs Btrfs(SudoBtrfsCommand? command = null) => new(
        _kernel.Object,
        command ?? Command,
        (c, timeout) =>
        {
            Assert.That(timeout, Is.GreaterThan(TimeSpan.Zero).And.LessThanOrEqualTo(TimeSpan.FromMinutes(2)), "every wait has a timeout");
            _sudoRuns.Add(c);
            return _sudo(c);
        },
        _ => _mount,
        _clock,
        _logger);

    private List<string> Said(LogLevel level) => _logger.Lines.Where(l => l.Level == level).Select(l => l.Text).ToList();

    [Test]
    public void A_deletion_the_kernel_allows_never_runs_sudo()
    {
        _directory.Setup(d => d.DeleteSubvolume(First)).Callback(() => _present.Remove(First));

        using (var dir = Btrfs().OpenDirectory(Volume))
        {
            dir.DeleteSubvolume(First);
        }

        Assert.That(_sudoRuns, Is.Empty);
        Assert.That(_logger.Lines, Is.Empty, "nothing to say about sudo");
    }

    [Test]
    public void A_deletion_the_kernel_refuses_runs_sudo_n_with_the_real_btrfs_and_the_subvolume_as_separate_arguments()
    {
        Btrfs().DeleteSubvolume(Volume, First);

        Assert.That(_sudoRuns, Has.Count.EqualTo(1));
        Assert.That(_sudoRuns[0].FileName, Is.EqualTo("/usr/bin/sudo"));
        Assert.That(_sudoRuns[0].Arguments, Is.EqualTo(new[] { "-n", "/usr/bin/btrfs", "subvolume", "delete", $"{Volume}/{First}" }),
            "exactly what 'foo ALL=(ALL) NOPASSWD: /usr/bin/btrfs subvolume delete *' allows; -n: never a password prompt");
        Assert.That(_present, Does.Not.Contain(First));
    }

    [TestCase(LibC.EPERM)]
    [TestCase(LibC.EACCES)]
    [TestCase(LibC.EROFS)]
    public void Every_refusal_for_lack_of_privileges_falls_back_to_sudo(int errno)
    {
        KernelRefuses(errno);

        Btrfs().DeleteSubvolume(Volume, First);

        Assert.That(_sudoRuns, Has.Count.EqualTo(1));
    }

    [Test]
    public void A_run_says_once_why_it_uses_sudo_and_logs_each_deletion()
    {
        // A destroy: the snapshots through one open directory, then .sync by itself.
        _present.Add(".sync");
        var btrfs = Btrfs();
        using (var dir = btrfs.OpenDirectory(Volume))
        {
            dir.DeleteSubvolume(First);
            _clock.Advance(TimeSpan.FromSeconds(30));
            dir.DeleteSubvolume(Second);
        }
        btrfs.DeleteSubvolume(Volume, ".sync");

        var info = Said(LogLevel.Information);
        Assert.That(info.Count(l => l.Contains("may not delete", StringComparison.Ordinal)), Is.EqualTo(1), string.Join("\n", info));
        Assert.That(info.Single(l => l.Contains("may not delete", StringComparison.Ordinal)),
            Does.Contain("user foo").And.Contain("sudo -n /usr/bin/btrfs subvolume delete").And.Contain("/mnt is mounted without user_subvol_rm_allowed"));
        Assert.That(info, Does.Contain($"deleted {Volume}/{First} through sudo"));
        Assert.That(info, Does.Contain($"deleted {Volume}/{Second} through sudo"));
        Assert.That(info, Does.Contain($"deleted {Volume}/.sync through sudo"));
        Assert.That(_sudoRuns, Has.Count.EqualTo(3));
    }

    [Test]
    public void The_long_lived_daemon_says_why_again_in_a_later_run()
    {
        var btrfs = Btrfs();
        btrfs.DeleteSubvolume(Volume, First);
        _clock.Advance(SudoBtrfs.QuietPeriod + TimeSpan.FromSeconds(1));

        btrfs.DeleteSubvolume(Volume, Second);

        Assert.That(Said(LogLevel.Information).Count(l => l.Contains("may not delete", StringComparison.Ordinal)), Is.EqualTo(2));
    }

    [Test]
    public void When_sudo_refuses_too_the_denial_says_what_failed_and_quotes_the_mount_option_and_both_sudoers_lines()
    {
        _sudo = _ => new ProcessResult(1, "sudo: a password is required\n", TimeSpan.FromMilliseconds(20), false);

        var e = Assert.Throws<SubvolumeDeletionDeniedException>(() => Btrfs().DeleteSubvolume(Volume, First))!;

        Assert.That(e.Path, Is.EqualTo($"{Volume}/{First}"));
        Assert.That(e.Message, Does.StartWith($"cannot delete {Volume}/{First}: user foo may not (Operation not permitted: /mnt is mounted without user_subvol_rm_allowed)"));
        Assert.That(e.Message, Does.Contain("sudo: a password is required"));
        Assert.That(e.Message, Does.Contain("mount -o remount,user_subvol_rm_allowed /mnt"));
        Assert.That(e.Message, Does.EndWith(
            "\n    foo ALL=(ALL) NOPASSWD: /usr/bin/btrfs subvolume list *\n    foo ALL=(ALL) NOPASSWD: /usr/bin/btrfs subvolume delete *"));
        Assert.That(_present, Does.Contain(First));
    }

    [Test]
    public void With_user_subvol_rm_allowed_already_set_the_denial_does_not_ask_for_it_again()
    {
        KernelRefuses(LibC.EACCES);
        _mount = _mount! with { Options = [.. _mount.Options, "user_subvol_rm_allowed"] };
        _sudo = _ => new ProcessResult(1, "sudo: a password is required\n", TimeSpan.Zero, false);

        var e = Assert.Throws<SubvolumeDeletionDeniedException>(() => Btrfs().DeleteSubvolume(Volume, First))!;

        Assert.That(e.Message, Does.Contain("/mnt has user_subvol_rm_allowed, but the snapshot's top directory is not writable to this user"));
        Assert.That(e.Message, Does.Not.Contain("remount"));
        Assert.That(e.Message, Does.Contain("foo ALL=(ALL) NOPASSWD: /usr/bin/btrfs subvolume delete *"));
    }

    [Test]
    public void A_failure_that_is_not_about_privileges_is_not_retried_through_sudo()
    {
        KernelRefuses(16); // EBUSY

        var e = Assert.Throws<BtrfsException>(() => Btrfs().DeleteSubvolume(Volume, First))!;

        Assert.That(e.Errno, Is.EqualTo(16));
        Assert.That(_sudoRuns, Is.Empty);
    }

    [Test]
    public void A_sudo_that_hangs_or_cannot_start_is_a_denial()
    {
        _sudo = _ => throw new TimeoutException("/usr/bin/sudo did not finish within 00:01:00 and was stopped");

        var e = Assert.Throws<SubvolumeDeletionDeniedException>(() => Btrfs().DeleteSubvolume(Volume, First))!;

        Assert.That(e.Message, Does.Contain("did not finish within"));
    }

    [Test]
    public void Without_btrfs_progs_sudo_is_not_run_and_the_denial_says_why()
    {
        var e = Assert.Throws<SubvolumeDeletionDeniedException>(() => Btrfs(Command with { Btrfs = null }).DeleteSubvolume(Volume, First))!;

        Assert.That(_sudoRuns, Is.Empty);
        Assert.That(e.Message, Does.Contain("btrfs-progs is not installed"));
        Assert.That(e.Message, Does.Contain("foo ALL=(ALL) NOPASSWD: /usr/bin/btrfs subvolume delete *"), "the lines name where btrfs-progs installs it");
    }

    [Test]
    public void A_subvolume_still_there_after_sudo_said_yes_is_a_denial_not_a_deletion()
    {
        _sudo = _ => new ProcessResult(0, string.Empty, TimeSpan.Zero, false);

        var e = Assert.Throws<SubvolumeDeletionDeniedException>(() => Btrfs().DeleteSubvolume(Volume, First))!;

        Assert.That(e.Message, Does.Contain("is still there"));
        Assert.That(Said(LogLevel.Information), Has.None.StartWith("deleted"));
    }

    [Test]
    public void Everything_but_deletion_goes_to_the_kernel_unchanged()
    {
        var btrfs = Btrfs();
        btrfs.CreateSubvolume(Volume, ".sync");
        btrfs.CreateSnapshot(Volume, ".sync", First, readOnly: true);
        btrfs.SyncFileSystem(Volume);

        _kernel.Verify(k => k.CreateSubvolume(Volume, ".sync"), Times.Once);
        _kernel.Verify(k => k.CreateSnapshot(Volume, ".sync", First, true), Times.Once);
        _kernel.Verify(k => k.SyncFileSystem(Volume), Times.Once);
        Assert.That(_sudoRuns, Is.Empty);
    }

    [Test]
    public void Root_gets_the_kernels_manager_itself_and_a_normal_user_the_sudo_fallback()
    {
        var kernel = Mock.Of<IBtrfsManager>();

        var btrfs = SudoBtrfs.ForThisProcess(kernel, new ProcessRunner(NullLogger.Instance), NullLogger.Instance);

        if (LibC.GetEUid() == 0)
        {
            Assert.That(btrfs, Is.SameAs(kernel), "root never uses sudo");
        }
        else
        {
            Assert.That(btrfs, Is.InstanceOf<SudoBtrfs>());
        }
    }

    [Test]
    public void The_sudo_command_refuses_a_relative_path_that_could_pass_for_an_option()
    {
        Assert.Throws<ArgumentException>(() => Command.Delete("-r"));
        Assert.Throws<ArgumentException>(() => Command.Delete("backups/x"));
    }
}
