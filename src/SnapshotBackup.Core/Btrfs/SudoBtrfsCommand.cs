using System.Globalization;
using SnapshotBackup.Core.Internal;
using SnapshotBackup.Core.Notifications;
using SnapshotBackup.Core.Processes;

namespace SnapshotBackup.Core.Btrfs;

/// <summary>
/// The sudo command lines of a normal user's deletions, as values: <c>sudo -n BTRFS subvolume delete PATH</c>, which the
/// original snapshotbackup's two sudoers lines allow (<see cref="SudoersLines"/>). <c>-n</c>: sudo never asks for a
/// password, it fails instead. <paramref name="Btrfs"/> is the real path of btrfs (sudoers match the command's path),
/// null when btrfs-progs is not installed; <paramref name="User"/> is the name sudo knows the user by.
/// </summary>
public sealed record SudoBtrfsCommand(string Sudo, string? Btrfs, string User)
{
    /// <summary>Where btrfs-progs installs btrfs; the path the sudoers lines name when btrfs cannot be found.</summary>
    public const string DefaultBtrfs = "/usr/bin/btrfs";

    /// <summary>This process's user (by its real uid, as sudo sees it) and the installed sudo and btrfs.</summary>
    public static SudoBtrfsCommand Locate(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var uid = LibC.GetUid();
        var user = UserAccount.Find(uid)?.Name ?? "#" + uid.ToString(CultureInfo.InvariantCulture);
        var path = environment("PATH");
        return new SudoBtrfsCommand(ProgramLocator.Find("sudo", path) ?? "sudo", ProgramLocator.Find("btrfs", path), user);
    }

    /// <summary><c>sudo -n BTRFS subvolume delete PATH</c> (the path is absolute: never mistaken for an option).</summary>
    public ExternalCommand Delete(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!path.StartsWith('/'))
        {
            throw new ArgumentException($"not an absolute path: {path}", nameof(path));
        }
        return new ExternalCommand(Sudo, ["-n", Btrfs ?? DefaultBtrfs, "subvolume", "delete", path]);
    }

    /// <summary>The original's two sudoers lines for this user and this btrfs.</summary>
    public IReadOnlyList<string> SudoersLines =>
    [
        $"{User} ALL=(ALL) NOPASSWD: {Btrfs ?? DefaultBtrfs} subvolume list *",
        $"{User} ALL=(ALL) NOPASSWD: {Btrfs ?? DefaultBtrfs} subvolume delete *",
    ];
}
