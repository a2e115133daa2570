using System.Buffers.Binary;
using System.Text;
using SnapshotBackup.Core.History;

namespace SnapshotBackup.Tests.History;

/// <summary>The send stream reader on streams built by hand: the paths it takes, the ones it leaves, malformed input.</summary>
[Category("History")]
public class SendStreamReaderTests
{
    private static byte[] Stream(uint version, params (ushort Command, (ushort Type, string Value)[] Attributes)[] commands)
    {
        var bytes = new List<byte>();
        bytes.AddRange("btrfs-stream\0"u8.ToArray());
        bytes.AddRange(BitConverter.GetBytes(version));
        foreach (var (command, attributes) in commands)
        {
            var body = new List<byte>();
            foreach (var (type, value) in attributes)
            {
                var data = Encoding.UTF8.GetBytes(value);
                var header = new byte[4];
                BinaryPrimitives.WriteUInt16LittleEndian(header, type);
                BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(2), (ushort)data.Length);
                body.AddRange(header);
                body.AddRange(data);
            }
            var commandHeader = new byte[10];
            BinaryPrimitives.WriteUInt32LittleEndian(commandHeader, (uint)body.Count);
            BinaryPrimitives.WriteUInt16LittleEndian(commandHeader.AsSpan(4), command);
            bytes.AddRange(commandHeader);
            bytes.AddRange(body);
        }
        return [.. bytes];
    }

    [Test]
    public async Task It_takes_path_and_path_to_everywhere_and_path_link_only_of_link()
    {
        var stream = Stream(1,
            (2, [(1, "uuid"), (15, "snap")]),
            (9, [(15, "a/old"), (16, "a/new")]),
            (8, [(15, "s"), (3, "ino"), (17, "/etc/target")]), // SYMLINK: PATH_LINK is the target
            (10, [(15, "h"), (17, "a/new")]), // LINK: PATH_LINK is an existing name
            (20, [(15, "a/new")]),
            (21, []));
        var paths = await SendStreamReader.ReadPathsAsync(new MemoryStream(stream), CancellationToken.None);
        Assert.That(paths, Is.EqualTo(new[] { "snap", "a/old", "a/new", "s", "h" }));
    }

    [Test]
    public void Malformed_streams_are_invalid_data()
    {
        Assert.ThrowsAsync<InvalidDataException>(() => SendStreamReader.ReadPathsAsync(new MemoryStream([]), CancellationToken.None));
        Assert.ThrowsAsync<InvalidDataException>(() => SendStreamReader.ReadPathsAsync(new MemoryStream(Encoding.ASCII.GetBytes("not-a-stream-at-all")), CancellationToken.None));
        var cut = Stream(1, (9, [(15, "a/old"), (16, "a/new")]));
        Assert.ThrowsAsync<InvalidDataException>(() => SendStreamReader.ReadPathsAsync(new MemoryStream(cut[..^3]), CancellationToken.None));
        Assert.ThrowsAsync<InvalidDataException>(() => SendStreamReader.ReadPathsAsync(new MemoryStream(Stream(9)), CancellationToken.None));
    }
}
