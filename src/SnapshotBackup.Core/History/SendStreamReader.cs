using System.Buffers.Binary;
using System.Text;

namespace SnapshotBackup.Core.History;

/// <summary>
/// Reads a btrfs send stream (version 1 or 2; <c>btrfs send --no-data -p A B</c>) for the paths it names: every PATH and
/// PATH_TO attribute, and PATH_LINK of LINK commands (of SYMLINK it is the link's target, not a path). These are the
/// candidates of a diff: every entry that differs between A and B is one of them, below one, or another name of a
/// hard-linked one (see <see cref="SnapshotDiff"/>). Temporary orphan names (<c>o257-12-0</c>) come along and simply
/// exist in neither tree. Layout (kernel fs/btrfs/send.h): "btrfs-stream\0", le32 version; commands of le32 length
/// (of the attributes), le16 command, le32 crc32c, then attributes of le16 type, le16 length, data.
/// </summary>
public static class SendStreamReader
{
    private const ushort CommandLink = 10;
    private const ushort CommandEnd = 21;
    private const ushort AttributePath = 15;
    private const ushort AttributePathTo = 16;
    private const ushort AttributePathLink = 17;
    private const ushort AttributeData = 19;
    private static readonly byte[] Magic = "btrfs-stream\0"u8.ToArray();

    /// <summary>The paths named by the stream, in stream order (duplicates removed). Throws <see cref="InvalidDataException"/> for a malformed stream.</summary>
    public static async Task<IReadOnlyList<string>> ReadPathsAsync(Stream input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        // Commands are a few dozen bytes each: read the pipe in large blocks, not two reads per command.
        var stream = new BufferedStream(input, 1 << 16);
        var paths = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var header = new byte[17];
        if (!await ReadExactlyAsync(stream, header, cancellationToken))
        {
            throw new InvalidDataException("the send stream is empty or shorter than its header");
        }
        if (!header.AsSpan(0, 13).SequenceEqual(Magic))
        {
            throw new InvalidDataException("not a btrfs send stream (no 'btrfs-stream' header)");
        }
        var version = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(13));
        if (version is < 1 or > 3)
        {
            throw new InvalidDataException($"btrfs send stream version {version} is not understood");
        }
        var commandHeader = new byte[10];
        var body = new byte[64 * 1024];
        // A stream may hold several (one per subvolume); ours has one, ended by END, but read to the end of the data.
        while (await ReadExactlyAsync(stream, commandHeader, cancellationToken))
        {
            var length = BinaryPrimitives.ReadUInt32LittleEndian(commandHeader);
            var command = BinaryPrimitives.ReadUInt16LittleEndian(commandHeader.AsSpan(4));
            if (length > 64 * 1024 * 1024)
            {
                throw new InvalidDataException($"send stream command {command} claims {length} bytes");
            }
            if (body.Length < length)
            {
                body = new byte[length];
            }
            if (length > 0 && !await ReadExactlyAsync(stream, body.AsMemory(0, (int)length), cancellationToken))
            {
                throw new InvalidDataException("the send stream ends inside a command");
            }
            if (command == CommandEnd)
            {
                continue;
            }
            CollectPaths(body.AsSpan(0, (int)length), command, version, paths, seen);
        }
        return paths;
    }

    private static void CollectPaths(ReadOnlySpan<byte> attributes, ushort command, uint version, List<string> paths, HashSet<string> seen)
    {
        var offset = 0;
        while (offset + 4 <= attributes.Length)
        {
            var type = BinaryPrimitives.ReadUInt16LittleEndian(attributes[offset..]);
            if (version >= 2 && type == AttributeData)
            {
                return; // from version 2 on, DATA has no length: it runs to the end of the command
            }
            var length = BinaryPrimitives.ReadUInt16LittleEndian(attributes[(offset + 2)..]);
            offset += 4;
            if (offset + length > attributes.Length)
            {
                throw new InvalidDataException($"send stream attribute {type} of command {command} runs past the command");
            }
            if (type is AttributePath or AttributePathTo || (type == AttributePathLink && command == CommandLink))
            {
                var path = Encoding.UTF8.GetString(attributes.Slice(offset, length)).Trim('/');
                if (path.Length > 0 && seen.Add(path))
                {
                    paths.Add(path);
                }
            }
            offset += length;
        }
    }

    private static async Task<bool> ReadExactlyAsync(Stream stream, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
        if (read == 0)
        {
            return false;
        }
        return read == buffer.Length ? true : throw new InvalidDataException("the send stream ends inside a command");
    }
}
