using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using SnapshotBackup.Core.Internal;

namespace SnapshotBackup.Core.Logging;

/// <summary>
/// The journal's large-entry path: a sealed memfd holding the entry, passed to journald with SCM_RIGHTS.
/// Layouts assume a 64-bit Linux ABI (x86-64, arm64); the calls are in <see cref="LibC"/>.
/// </summary>
internal static class JournalMemfd
{
    /// <summary>Writes <paramref name="payload"/> into a sealed memfd and sends its descriptor over <paramref name="socket"/> (connected) in an empty datagram.</summary>
    /// <exception cref="IOException">A system call failed.</exception>
    public static unsafe void Send(Socket socket, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(socket);
        var fd = LibC.MemfdCreate("journal-entry", LibC.MFD_CLOEXEC | LibC.MFD_ALLOW_SEALING);
        if (fd < 0)
        {
            throw Failure("memfd_create");
        }

        using var memfd = new SafeFileHandle(fd, ownsHandle: true);
        RandomAccess.Write(memfd, payload, 0);
        if (LibC.Fcntl(memfd, LibC.F_ADD_SEALS, LibC.F_SEAL_SHRINK | LibC.F_SEAL_GROW | LibC.F_SEAL_WRITE | LibC.F_SEAL_SEAL) < 0)
        {
            throw Failure("fcntl(F_ADD_SEALS)");
        }

        // One cmsghdr { size_t len; int level; int type; int fd; } padded to CMSG_SPACE(sizeof(int)) = 24.
        const int controlLength = 24;
        var control = stackalloc byte[controlLength];
        new Span<byte>(control, controlLength).Clear();
        *(long*)control = 20; // CMSG_LEN(sizeof(int))
        *(int*)(control + 8) = LibC.SOL_SOCKET;
        *(int*)(control + 12) = LibC.SCM_RIGHTS;
        *(int*)(control + 16) = (int)memfd.DangerousGetHandle();
        var header = new LibC.MsgHdr { Control = (nint)control, ControlLength = controlLength };
        if (LibC.SendMsg(socket.SafeHandle, &header, LibC.MSG_NOSIGNAL) < 0)
        {
            throw Failure("sendmsg");
        }
    }

    private static IOException Failure(string call) => new($"{call} failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
}
