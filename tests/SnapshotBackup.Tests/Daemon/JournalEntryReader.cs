using System.Buffers.Binary;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using SnapshotBackup.Core.Internal;
using Microsoft.Win32.SafeHandles;

namespace SnapshotBackup.Tests.Daemon;

/// <summary>Receives journal native-protocol datagrams (inline or as an SCM_RIGHTS memfd) and parses them back into fields.</summary>
internal static class JournalEntryReader
{
    /// <summary>Receives one entry. <paramref name="viaMemfd"/> tells whether it arrived as a passed file descriptor.</summary>
    public static List<JournalField> Receive(Socket socket, out bool viaMemfd)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (!socket.Poll(5_000_000, SelectMode.SelectRead))
        {
            throw new TimeoutException("no journal datagram arrived");
        }

        const int bufferLength = 4 * 1024 * 1024;
        const int controlLength = 64;
        var buffer = Marshal.AllocHGlobal(bufferLength);
        var control = Marshal.AllocHGlobal(controlLength);
        var iov = Marshal.AllocHGlobal(16);
        try
        {
            Marshal.WriteIntPtr(iov, 0, buffer);
            Marshal.WriteInt64(iov, 8, bufferLength);
            var header = new LibC.MsgHdr { Iov = iov, IovLength = 1, Control = control, ControlLength = controlLength };
            var n = recvmsg(socket.SafeHandle, ref header, 0x40000000 /* MSG_CMSG_CLOEXEC */);
            if (n < 0)
            {
                throw new IOException($"recvmsg failed: {Marshal.GetLastPInvokeError()}");
            }

            byte[] payload;
            viaMemfd = header.ControlLength >= 20
                && Marshal.ReadInt32(control, 8) == 1 /* SOL_SOCKET */
                && Marshal.ReadInt32(control, 12) == 1 /* SCM_RIGHTS */;
            if (viaMemfd)
            {
                Assert.That((long)n, Is.Zero, "a memfd datagram carries no inline data");
                using var fd = new SafeFileHandle(Marshal.ReadInt32(control, 16), ownsHandle: true);
                Assert.That(LibC.Fcntl(fd, 1034 /* F_GET_SEALS */, 0), Is.EqualTo(0xF), "memfd sealed against shrink, grow, write and further sealing");
                payload = new byte[RandomAccess.GetLength(fd)];
                var read = 0;
                while (read < payload.Length)
                {
                    read += RandomAccess.Read(fd, payload.AsSpan(read), read);
                }
            }
            else
            {
                payload = new byte[n];
                Marshal.Copy(buffer, payload, 0, (int)n);
            }

            return Parse(payload);
        }
        finally
        {
            Marshal.FreeHGlobal(buffer);
            Marshal.FreeHGlobal(control);
            Marshal.FreeHGlobal(iov);
        }
    }

    public static List<JournalField> Receive(Socket socket) => Receive(socket, out _);

    /// <summary>Parses <c>KEY=value\n</c> and <c>KEY\n&lt;u64 LE length&gt;&lt;bytes&gt;\n</c> fields.</summary>
    public static List<JournalField> Parse(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var fields = new List<JournalField>();
        var pos = 0;
        while (pos < data.Length)
        {
            var newline = Array.IndexOf(data, (byte)'\n', pos);
            var equals = Array.IndexOf(data, (byte)'=', pos);
            if (newline < 0)
            {
                throw new FormatException($"unterminated field at {pos}");
            }

            if (equals >= 0 && equals < newline)
            {
                fields.Add(new JournalField(
                    Encoding.ASCII.GetString(data, pos, equals - pos),
                    Encoding.UTF8.GetString(data, equals + 1, newline - equals - 1),
                    Binary: false));
                pos = newline + 1;
            }
            else
            {
                var key = Encoding.ASCII.GetString(data, pos, newline - pos);
                var length = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(data.AsSpan(newline + 1, 8)));
                var start = newline + 9;
                if (data[start + length] != (byte)'\n')
                {
                    throw new FormatException($"binary field {key} not terminated by a newline");
                }

                fields.Add(new JournalField(key, Encoding.UTF8.GetString(data, start, length), Binary: true));
                pos = start + length + 1;
            }
        }

        return fields;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern nint recvmsg(SafeSocketHandle socket, ref LibC.MsgHdr message, int flags);
}
