using SnapshotBackup.Core.Notifications;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.Notifications;

/// <summary>The unprivileged desktop user of the notification tests (created once with useradd, kept).</summary>
public static class TestUser
{
    public const string Name = "sbnotify";

    public static UserAccount Ensure()
    {
        if (Environment.UserName != "root")
        {
            Assert.Ignore("notification tests run as root (they start processes as another user)");
        }
        if (UserAccount.Find(Name) is { } existing)
        {
            return existing;
        }
        Shell.Check("useradd", "--create-home", "--shell", "/bin/sh", Name);
        // '*' rather than useradd's '!': no password, but not a locked account, so sshd accepts its key.
        Shell.Check("usermod", "-p", "*", Name);
        return UserAccount.Find(Name) ?? throw new InvalidOperationException("useradd did not create " + Name);
    }

    /// <summary>setpriv arguments that run the rest of the command line as <paramref name="user"/>.</summary>
    public static string[] AsUser(UserAccount user) =>
        ["--reuid", user.Uid.ToString(System.Globalization.CultureInfo.InvariantCulture),
         "--regid", user.Gid.ToString(System.Globalization.CultureInfo.InvariantCulture),
         "--init-groups", "--"];
}
