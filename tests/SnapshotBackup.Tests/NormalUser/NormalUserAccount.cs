using SnapshotBackup.Core.Notifications;
using SnapshotBackup.Tests.Fixtures;
using SnapshotBackup.Tests.Notifications;

namespace SnapshotBackup.Tests.NormalUser;

/// <summary>The unprivileged user of the normal-user tests (created once with useradd, no home directory, kept).</summary>
public static class NormalUserAccount
{
    public const string Name = "sbsudo";

    public static UserAccount Ensure() =>
        TestUser.Ensure(Name, createHome: false, "the normal-user tests run as root (they mount, write sudoers and start processes as another user)");

    /// <summary>setpriv arguments that run the rest of the command line as <paramref name="user"/>.</summary>
    public static string[] AsUser(UserAccount user) => TestUser.AsUser(user);

    public static void Chown(UserAccount user, string path) =>
        Shell.Check("chown", "-R", $"{user.Uid}:{user.Gid}", path);
}
