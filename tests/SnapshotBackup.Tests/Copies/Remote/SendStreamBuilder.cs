using System.Buffers.Binary;
using System.Text;

namespace SnapshotBackup.Tests.Copies.Remote;

/// <summary>
/// Hand-made btrfs send streams (kernel fs/btrfs/send.h: "btrfs-stream\0", le32 version; commands of le32 length, le16
/// command, le32 crc32c over the command with the crc zeroed; attributes le16 type, le16 length, data), as a hostile
/// sender would write them.
/// </summary>
public sealed class SendStreamBuilder
{
    public const ushort Subvol = 1, Snapshot = 2, MkfileCommand = 3, Mkdir = 4, Symlink = 8, Rename = 9, Link = 10, Write = 15, Clone = 16, End = 21;
    public const ushort Uuid = 1, Ctransid = 2, Ino = 3, Path = 15, PathTo = 16, PathLink = 17, FileOffset = 18, Data = 19, CloneUuid = 20, CloneCtransid = 21, ClonePath = 22, CloneOffset = 23, CloneLen = 24;

    private readonly MemoryStream _bytes = new();

    public SendStreamBuilder(uint version = 1)
    {
        _bytes.Write("btrfs-stream\0"u8);
        Span<byte> v = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(v, version);
        _bytes.Write(v);
    }

    /// <summary>A subvolume command (SUBVOL) named <paramref name="name"/>, with a uuid and transid.</summary>
    public SendStreamBuilder BeginSubvolume(string name, Guid? uuid = null) =>
        Command(Subvol, (Path, Text(name)), (Uuid, (uuid ?? Guid.NewGuid()).ToByteArray()), (Ctransid, U64(7)));

    public SendStreamBuilder Command(ushort command, params (ushort Type, byte[] Value)[] attributes)
    {
        var body = new MemoryStream();
        foreach (var (type, value) in attributes)
        {
            var tlv = new byte[4];
            BinaryPrimitives.WriteUInt16LittleEndian(tlv, type);
            BinaryPrimitives.WriteUInt16LittleEndian(tlv.AsSpan(2), (ushort)value.Length);
            body.Write(tlv);
            body.Write(value);
        }
        var payload = body.ToArray();
        var whole = new byte[10 + payload.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(whole, (uint)payload.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(whole.AsSpan(4), command);
        payload.CopyTo(whole, 10);
        BinaryPrimitives.WriteUInt32LittleEndian(whole.AsSpan(6), Crc32C(whole));
        _bytes.Write(whole);
        return this;
    }

    public SendStreamBuilder Mkfile(string path, ulong ino = 257) => Command(MkfileCommand, (Path, Text(path)), (Ino, U64(ino)));

    public SendStreamBuilder WriteData(string path, byte[] data) => Command(Write, (Path, Text(path)), (FileOffset, U64(0)), (Data, data));

    public SendStreamBuilder Finish() => Command(End);

    public SendStreamBuilder Raw(byte[] bytes)
    {
        _bytes.Write(bytes);
        return this;
    }

    public byte[] ToArray() => _bytes.ToArray();

    public static byte[] Text(string text) => Encoding.UTF8.GetBytes(text);

    public static byte[] U64(ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        return bytes;
    }

    /// <summary>crc32c (Castagnoli, reflected) seeded with 0 and not inverted, as btrfs send and receive compute it.</summary>
    private static uint Crc32C(ReadOnlySpan<byte> data)
    {
        uint crc = 0;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
            }
        }
        return crc;
    }
}
