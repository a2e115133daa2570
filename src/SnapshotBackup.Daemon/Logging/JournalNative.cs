using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SnapshotBackup.Daemon.Logging;

/// <summary>
/// Linux interop for the journal's large-entry path: a sealed memfd holding the entry, passed to journald with SCM_RIGHTS.
/// Layouts assume a 64-bit Linux ABI (x86-64, arm64).
/// </summary>
internal static class JournalNative
{
    private const uint MfdCloexec = 0x1;
    private const uint MfdAllowSealing = 0x2;
    private const int FAddSeals = 1033;
    private const int FSealSeal = 0x1;
    private const int FSealShrink = 0x2;
    private const int FSealGrow = 0x4;
    private const int FSealWrite = 0x8;
    private const int SolSocket = 1;
    private const int ScmRights = 1;
    private const int MsgNoSignal = 0x4000;

    /// <summary>Writes <paramref name="payload"/> into a sealed memfd and sends its descriptor over <paramref name="socket"/> (connected) in an empty datagram.</summary>
    /// <exception cref="IOException">A system call failed.</exception>
    public static void SendViaMemfd(Socket socket, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(socket);
        var fd = memfd_create("journal-entry\0"u8.ToArray(), MfdCloexec | MfdAllowSealing);
        if (fd < 0)
        {
            throw Failure("memfd_create");
        }

        using var memfd = new SafeFileHandle(fd, ownsHandle: true);
        RandomAccess.Write(memfd, payload, 0);
        if (fcntl(memfd, FAddSeals, FSealShrink | FSealGrow | FSealWrite | FSealSeal) < 0)
        {
            throw Failure("fcntl(F_ADD_SEALS)");
        }

        // One cmsghdr { size_t len; int level; int type; int fd; } padded to CMSG_SPACE(sizeof(int)) = 24.
        const int controlLength = 24;
        var control = Marshal.AllocHGlobal(controlLength);
        try
        {
            for (var i = 0; i < controlLength; i++)
            {
                Marshal.WriteByte(control, i, 0);
            }

            Marshal.WriteInt64(control, 0, 20); // CMSG_LEN(sizeof(int))
            Marshal.WriteInt32(control, 8, SolSocket);
            Marshal.WriteInt32(control, 12, ScmRights);
            Marshal.WriteInt32(control, 16, (int)memfd.DangerousGetHandle());
            var header = new MsgHdr { Control = control, ControlLength = controlLength };
            if (sendmsg(socket.SafeHandle, ref header, MsgNoSignal) < 0)
            {
                throw Failure("sendmsg");
            }
        }
        finally
        {
            Marshal.FreeHGlobal(control);
        }
    }

    private static IOException Failure(string call) => new($"{call} failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");

    [StructLayout(LayoutKind.Sequential)]
    private struct MsgHdr
    {
        public nint Name;
        public uint NameLength;
        public nint Iov;
        public nuint IovLength;
        public nint Control;
        public nuint ControlLength;
        public int Flags;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int memfd_create(byte[] name, uint flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int fcntl(SafeFileHandle fd, int cmd, int arg);

    [DllImport("libc", SetLastError = true)]
    private static extern nint sendmsg(SafeSocketHandle socket, ref MsgHdr message, int flags);
}
