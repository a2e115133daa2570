using System.Runtime.InteropServices;
using SnapshotBackup.Core.Internal;

namespace SnapshotBackup.Core.Notifications;

/// <summary>A local account from the user database (getpwnam_r, so NSS sources such as LDAP count too).</summary>
public sealed record UserAccount(string Name, uint Uid, uint Gid, string Home)
{
    /// <summary>The account named <paramref name="name"/>, or null when there is none.</summary>
    public static UserAccount? Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Lookup(name, 0, byName: true);
    }

    /// <summary>The account with uid <paramref name="uid"/>, or null when there is none.</summary>
    public static UserAccount? Find(uint uid) => Lookup(null, uid, byName: false);

    private static unsafe UserAccount? Lookup(string? name, uint uid, bool byName)
    {
        var size = 16384;
        while (true)
        {
            var buffer = new byte[size];
            LibC.Passwd entry;
            LibC.Passwd* result = null;
            int error;
            fixed (byte* b = buffer)
            {
                error = byName
                    ? LibC.GetPwNam(name!, &entry, b, (nuint)size, &result)
                    : LibC.GetPwUid(uid, &entry, b, (nuint)size, &result);
                if (error == 0 && result != null)
                {
                    return new UserAccount(
                        Marshal.PtrToStringUTF8(entry.Name) ?? string.Empty,
                        entry.Uid,
                        entry.Gid,
                        Marshal.PtrToStringUTF8(entry.Dir) ?? "/");
                }
            }
            if (error == LibC.ERANGE && size < 1 << 20)
            {
                size *= 4;
                continue;
            }
            return null;
        }
    }
}
