using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Internal;
using SnapshotBackup.Core.Processes;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Core.Btrfs;

/// <summary>
/// btrfs for a normal user (not root): every operation through the kernel, as <see cref="BtrfsManager"/> does it,
/// except a deletion the kernel refuses to an unprivileged user, which falls back to
/// <c>sudo -n /usr/bin/btrfs subvolume delete PATH</c> (<see cref="SudoBtrfsCommand"/>): exactly what the original
/// snapshotbackup's two sudoers lines allow, from an argument list, never asking for a password, with a timeout.
/// The kernel refuses a user's deletion without the mount option <c>user_subvol_rm_allowed</c> (EPERM), and with it
/// when the subvolume's top directory is not writable to the user (EACCES); a read-only snapshot the user owns is
/// made writable and deleted by <see cref="BtrfsManager"/> itself. The log says why sudo is used with the first
/// deletion through it, and again only after sudo was not used for <see cref="QuietPeriod"/>: once per run, also in the
/// long-lived daemon; each deletion through sudo is logged. A deletion that fails both ways throws
/// <see cref="SubvolumeDeletionDeniedException"/>, whose message quotes the mount option and the sudoers lines.
/// Nothing else needs privileges: listing reads the directory and each entry's flags (SUBVOL_GETFLAGS; no tree
/// search), the user creates .sync and snapshots of it as their owner, and syncfs is anyone's. So the sudoers line for
/// <c>subvolume list</c> is never used; it is quoted because the original documented it. Root never uses sudo
/// (<see cref="ForThisProcess"/> gives it the kernel's manager as it is).
/// </summary>
public sealed class SudoBtrfs(
    IBtrfsManager kernel,
    SudoBtrfsCommand command,
    Func<ExternalCommand, TimeSpan, ProcessResult> run,
    Func<string, MountedFileSystem?> mountOf,
    TimeProvider time,
    ILogger logger) : IBtrfsManager
{
    private readonly Lock _lock = new();
    private long? _lastSudo;

    /// <summary>A run's deletions follow one another within seconds; a later use of sudo is another run's.</summary>
    public static TimeSpan QuietPeriod { get; } = TimeSpan.FromMinutes(10);

    /// <summary>For one <c>sudo btrfs subvolume delete</c>, which takes milliseconds; sudo itself may ask PAM or LDAP.</summary>
    public static TimeSpan Timeout { get; } = TimeSpan.FromSeconds(60);

    public const string MountOption = "user_subvol_rm_allowed";

    /// <summary>The btrfs manager for this process: the kernel's for root, with the sudo fallback for anyone else.</summary>
    public static IBtrfsManager ForThisProcess(IBtrfsManager kernel, ProcessRunner runner, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(runner);
        return LibC.GetEUid() == 0
            ? kernel
            : new SudoBtrfs(
                kernel,
                SudoBtrfsCommand.Locate(Environment.GetEnvironmentVariable),
                (c, timeout) => runner.RunAsync(c, timeout, CancellationToken.None).GetAwaiter().GetResult(),
                MountTable.System.MountOf,
                TimeProvider.System,
                logger);
    }

    public bool IsBtrfs(string path) => kernel.IsBtrfs(path);

    public SubvolumeKind Inspect(string directory, string name) => kernel.Inspect(directory, name);

    public void CreateSubvolume(string directory, string name) => kernel.CreateSubvolume(directory, name);

    public void CreateSnapshot(string directory, string source, string name, bool readOnly) =>
        kernel.CreateSnapshot(directory, source, name, readOnly);

    public void SyncFileSystem(string path) => kernel.SyncFileSystem(path);

    public void DeleteSubvolume(string directory, string name) => Delete(directory, name, () => kernel.DeleteSubvolume(directory, name));

    public IBtrfsDirectory OpenDirectory(string path) => new SudoBtrfsDirectory(this, kernel.OpenDirectory(path), path);

    /// <summary>The kernel first; when it refuses for lack of privileges, sudo; when sudo fails too, the denial.</summary>
    internal void Delete(string directory, string name, Action deleteThroughKernel)
    {
        BtrfsException refused;
        try
        {
            deleteThroughKernel();
            return;
        }
        catch (BtrfsException e) when (e.Errno is LibC.EPERM or LibC.EACCES or LibC.EROFS)
        {
            refused = e;
        }
        var path = Path.Combine(directory, name);
        var mount = mountOf(directory);
        if (command.Btrfs is null)
        {
            throw Denied(path, refused, mount, "btrfs-progs is not installed (no btrfs program found) for sudo to run");
        }
        var sudo = command.Delete(path);
        if (FirstOfRun())
        {
            logger.LogInformation("user {User} may not delete btrfs snapshots itself ({Reason}); deleting through sudo -n {Btrfs} subvolume delete",
                command.User, KernelReason(refused, mount), command.Btrfs);
        }
        ProcessResult result;
        try
        {
            result = run(sudo, Timeout);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            throw Denied(path, refused, mount, e.Message);
        }
        if (result.ExitCode != 0)
        {
            var said = result.StandardErrorTail.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
            said = said is { Length: > 200 } ? said[..200] + "…" : said;
            throw Denied(path, refused, mount, $"{sudo} exited with {result.ExitCode}" + (said is null ? string.Empty : ": " + said));
        }
        if (kernel.Inspect(directory, name) != SubvolumeKind.Missing)
        {
            throw Denied(path, refused, mount, $"{sudo} succeeded but {path} is still there");
        }
        logger.LogInformation("deleted {Path} through sudo", path);
    }

    /// <summary>True when sudo was not used within <see cref="QuietPeriod"/>; notes this use.</summary>
    private bool FirstOfRun()
    {
        lock (_lock)
        {
            var first = _lastSudo is not { } last || time.GetElapsedTime(last) > QuietPeriod;
            _lastSudo = time.GetTimestamp();
            return first;
        }
    }

    private static string KernelReason(BtrfsException refused, MountedFileSystem? mount) =>
        LibC.ErrorText(refused.Errno) + (mount switch
        {
            null => string.Empty,
            _ when !mount.HasOption(MountOption) => $": {mount.MountPoint} is mounted without {MountOption}",
            _ => $": {mount.MountPoint} has {MountOption}, but the snapshot's top directory is not writable to this user",
        });

    private SubvolumeDeletionDeniedException Denied(string path, BtrfsException refused, MountedFileSystem? mount, string sudoReason)
    {
        var mountAdvice = mount switch
        {
            null => $"mount its btrfs filesystem with the option {MountOption}, or ",
            _ when !mount.HasOption(MountOption) =>
                $"mount {mount.MountPoint} with the option {MountOption} (in /etc/fstab; until the next mount: mount -o remount,{MountOption} {mount.MountPoint}), or ",
            _ => string.Empty,
        };
        var message = $"cannot delete {path}: user {command.User} may not ({KernelReason(refused, mount)}) and sudo did not ({sudoReason}). " +
            $"To let {command.User} delete backups, {mountAdvice}allow the deletion without a password with these two sudoers lines " +
            "(visudo -f /etc/sudoers.d/snapshotbackup):\n" + string.Join('\n', command.SudoersLines.Select(l => "    " + l));
        return new SubvolumeDeletionDeniedException(message, path);
    }
}
