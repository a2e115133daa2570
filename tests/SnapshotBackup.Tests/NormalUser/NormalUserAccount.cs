using System.Globalization;
using SnapshotBackup.Core.Notifications;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.NormalUser;

/// <summary>The unprivileged user of the normal-user tests (created once with useradd, no home directory, kept).</summary>
public static class NormalUserAccount
{
    public const string Name = "sbsudo";

    public static UserAccount Ensure()
    {
        if (Environment.UserName != "root")
        {
            Assert.Ignore("the normal-user tests run as root (they mount, write sudoers and start processes as another user)");
        }
        if (UserAccount.Find(Name) is { } existing)
        {
            return existing;
        }
        Shell.Check("useradd", "--no-create-home", "--shell", "/bin/sh", Name);
        return UserAccount.Find(Name) ?? throw new InvalidOperationException("useradd did not create " + Name);
    }

    /// <summary>setpriv arguments that run the rest of the command line as <paramref name="user"/>.</summary>
    public static string[] AsUser(UserAccount user) =>
        ["--reuid", user.Uid.ToString(CultureInfo.InvariantCulture),
         "--regid", user.Gid.ToString(CultureInfo.InvariantCulture),
         "--init-groups", "--"];

    public static void Chown(UserAccount user, string path) =>
        Shell.Check("chown", "-R", $"{user.Uid}:{user.Gid}", path);
}
