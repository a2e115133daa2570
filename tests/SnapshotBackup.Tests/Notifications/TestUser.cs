using SnapshotBackup.Core.Notifications;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.Notifications;

/// <summary>The unprivileged desktop user of the notification tests (created once with useradd, kept).</summary>
public static class TestUser
{
    public const string Name = "sbnotify";

    public static UserAccount Ensure() =>
        Ensure(Name, createHome: true, "notification tests run as root (they start processes as another user)");

    /// <summary>
    /// The unprivileged account <paramref name="name"/>, made with useradd the first time (kept afterwards, as a machine's
    /// test users are); ignores the test with <paramref name="whyRoot"/> when not run as root.
    /// </summary>
    public static UserAccount Ensure(string name, bool createHome, string whyRoot)
    {
        if (Environment.UserName != "root")
        {
            Assert.Ignore(whyRoot);
        }
        if (UserAccount.Find(name) is { } existing)
        {
            return existing;
        }
        Shell.Check("useradd", createHome ? "--create-home" : "--no-create-home", "--shell", "/bin/sh", name);
        if (createHome)
        {
            // '*' rather than useradd's '!': no password, but not a locked account, so sshd accepts its key.
            Shell.Check("usermod", "-p", "*", name);
        }
        return UserAccount.Find(name) ?? throw new InvalidOperationException("useradd did not create " + name);
    }

    /// <summary>setpriv arguments that run the rest of the command line as <paramref name="user"/>.</summary>
    public static string[] AsUser(UserAccount user) =>
        ["--reuid", user.Uid.ToString(System.Globalization.CultureInfo.InvariantCulture),
         "--regid", user.Gid.ToString(System.Globalization.CultureInfo.InvariantCulture),
         "--init-groups", "--"];
}
