using System.Runtime.InteropServices;

namespace SnapshotBackup.Core.Notifications;

/// <summary>A local account from the user database (getpwnam_r, so NSS sources such as LDAP count too).</summary>
public sealed partial record UserAccount(string Name, uint Uid, uint Gid, string Home)
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
            Passwd entry;
            Passwd* result = null;
            int error;
            fixed (byte* b = buffer)
            {
                error = byName
                    ? GetPwNam(name!, &entry, b, (nuint)size, &result)
                    : GetPwUid(uid, &entry, b, (nuint)size, &result);
                if (error == 0 && result != null)
                {
                    return new UserAccount(
                        Marshal.PtrToStringUTF8(entry.Name) ?? string.Empty,
                        entry.Uid,
                        entry.Gid,
                        Marshal.PtrToStringUTF8(entry.Dir) ?? "/");
                }
            }
            if (error == 34 && size < 1 << 20) // ERANGE
            {
                size *= 4;
                continue;
            }
            return null;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Passwd
    {
        public nint Name;
        public nint Password;
        public uint Uid;
        public uint Gid;
        public nint Gecos;
        public nint Dir;
        public nint Shell;
    }

    [LibraryImport("libc", EntryPoint = "getpwnam_r", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int GetPwNam(string name, Passwd* entry, byte* buffer, nuint size, Passwd** result);

    [LibraryImport("libc", EntryPoint = "getpwuid_r")]
    private static unsafe partial int GetPwUid(uint uid, Passwd* entry, byte* buffer, nuint size, Passwd** result);
}
