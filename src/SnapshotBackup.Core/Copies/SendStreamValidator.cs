using System.Buffers.Binary;
using System.Text;

namespace SnapshotBackup.Core.Copies;

/// <summary>A send stream that <see cref="SendStreamValidator"/> refused: nothing past the offending command went on.</summary>
public sealed class SendStreamRejectedException : Exception
{
    public SendStreamRejectedException(string message) : base(message)
    {
    }

    public SendStreamRejectedException()
    {
    }

    public SendStreamRejectedException(string message, Exception inner) : base(message, inner)
    {
    }
}

/// <summary>
/// Relays a btrfs send stream from an untrusted sender to btrfs receive, command by command, and passes on only what it
/// has checked (btrfs receive itself is not safe with hostile streams): the header (magic, version 1 to 3); a first
/// command SUBVOL or SNAPSHOT whose path is exactly the expected name (one component); no other SUBVOL or SNAPSHOT;
/// every path attribute of every command (PATH, PATH_TO, CLONE_PATH, and PATH_LINK of LINK, where it names a file;
/// of SYMLINK it is only the link's text) relative, without <c>..</c> components or NUL bytes, and not below a
/// symlink the stream itself made; END last and nothing after it, and the stream not cut before END. File data is not
/// looked at: each command is read once into the buffer and written out from there. Layout: see
/// <see cref="History.SendStreamReader"/> (kernel fs/btrfs/send.h).
/// </summary>
public static class SendStreamValidator
{
    private const ushort CommandSubvol = 1;
    private const ushort CommandSnapshot = 2;
    private const ushort CommandSymlink = 8;
    private const ushort CommandRename = 9;
    private const ushort CommandLink = 10;
    private const ushort CommandUnlink = 11;
    private const ushort CommandEnd = 21;
    private const ushort AttributePath = 15;
    private const ushort AttributePathTo = 16;
    private const ushort AttributePathLink = 17;
    private const ushort AttributeData = 19;
    private const ushort AttributeClonePath = 22;
    private const int HeaderLength = 17;
    private const int CommandHeaderLength = 10;

    /// <summary>The largest command we pass (the kernel's are at most 64 KiB in version 1, 144 KiB in version 2).</summary>
    private const int MaxCommandLength = 16 * 1024 * 1024;

    private static readonly byte[] Magic = "btrfs-stream\0"u8.ToArray();

    /// <summary>
    /// Copies <paramref name="input"/> to <paramref name="output"/> while checking it; returns the bytes relayed.
    /// Throws <see cref="SendStreamRejectedException"/> at the first command that breaks a rule (what came before it
    /// was written; the caller aborts the receive).
    /// </summary>
    /// <param name="stallTimeout">The longest wait for the next bytes (a sender that stopped sending without hanging up);
    /// <see cref="TimeoutException"/> after it. Null: no limit.</param>
    public static async Task<long> RelayAsync(
        Stream input, Stream output, string name, CancellationToken cancellationToken, int bufferSize = 1 << 20, TimeSpan? stallTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(name);
        var state = new State(name);
        var buffer = new byte[Math.Max(bufferSize, 64 * 1024)];
        var filled = 0;
        long relayed = 0;
        var headerDone = false;
        while (true)
        {
            var reading = input.ReadAsync(buffer.AsMemory(filled), cancellationToken).AsTask();
            var read = stallTimeout is { } stall
                ? await reading.WaitAsync(stall, cancellationToken).ConfigureAwait(false)
                : await reading.ConfigureAwait(false);
            if (read == 0)
            {
                if (state.Ended && filled == 0)
                {
                    await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                    return relayed;
                }
                throw new SendStreamRejectedException(headerDone
                    ? "the send stream ends before its END command (cut off)"
                    : "the send stream is empty or shorter than its header");
            }
            filled += read;
            var position = 0;
            if (!headerDone)
            {
                if (filled < HeaderLength)
                {
                    continue;
                }
                CheckHeader(buffer.AsSpan(0, HeaderLength), state);
                headerDone = true;
                position = HeaderLength;
            }
            while (filled - position >= CommandHeaderLength)
            {
                if (state.Ended)
                {
                    throw new SendStreamRejectedException("the send stream goes on after its END command");
                }
                var length = BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(position));
                var command = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(position + 4));
                if (length > MaxCommandLength)
                {
                    throw new SendStreamRejectedException($"send stream command {command} claims {length} bytes");
                }
                var total = CommandHeaderLength + (int)length;
                if (filled - position < total)
                {
                    if (total > buffer.Length)
                    {
                        Array.Resize(ref buffer, total);
                    }
                    break;
                }
                CheckCommand(command, buffer.AsSpan(position + CommandHeaderLength, (int)length), state);
                position += total;
            }
            if (position > 0)
            {
                await output.WriteAsync(buffer.AsMemory(0, position), cancellationToken).ConfigureAwait(false);
                relayed += position;
                Buffer.BlockCopy(buffer, position, buffer, 0, filled - position);
                filled -= position;
            }
            if (state.Ended && filled > 0)
            {
                throw new SendStreamRejectedException("the send stream goes on after its END command");
            }
        }
    }

    private sealed class State(string name)
    {
        public string Name { get; } = name;
        public uint Version { get; set; }
        public int Commands { get; set; }
        public bool Ended { get; set; }

        /// <summary>Symlinks this stream made (and where renames moved them): nothing may be reached through them.</summary>
        public HashSet<string> Symlinks { get; } = new(StringComparer.Ordinal);
    }

    private static void CheckHeader(ReadOnlySpan<byte> header, State state)
    {
        if (!header[..Magic.Length].SequenceEqual(Magic))
        {
            throw new SendStreamRejectedException("not a btrfs send stream (no 'btrfs-stream' header)");
        }
        state.Version = BinaryPrimitives.ReadUInt32LittleEndian(header[Magic.Length..]);
        if (state.Version is < 1 or > 3)
        {
            throw new SendStreamRejectedException($"btrfs send stream version {state.Version} is not accepted");
        }
    }

    private static void CheckCommand(ushort command, ReadOnlySpan<byte> attributes, State state)
    {
        var first = state.Commands++ == 0;
        if (first && command is not (CommandSubvol or CommandSnapshot))
        {
            throw new SendStreamRejectedException($"the send stream starts with command {command}, not a subvolume or snapshot");
        }
        if (!first && command is CommandSubvol or CommandSnapshot)
        {
            throw new SendStreamRejectedException("the send stream holds a second subvolume");
        }
        if (command == CommandEnd)
        {
            state.Ended = true;
            return;
        }
        string? path = null;
        string? pathTo = null;
        var offset = 0;
        while (offset < attributes.Length)
        {
            if (attributes.Length - offset < 2)
            {
                throw new SendStreamRejectedException($"an attribute of send stream command {command} is cut");
            }
            var type = BinaryPrimitives.ReadUInt16LittleEndian(attributes[offset..]);
            if (state.Version >= 2 && type == AttributeData)
            {
                break; // from version 2 on, DATA has no length: the command's remaining bytes are the data
            }
            if (attributes.Length - offset < 4)
            {
                throw new SendStreamRejectedException($"an attribute of send stream command {command} is cut");
            }
            var length = BinaryPrimitives.ReadUInt16LittleEndian(attributes[(offset + 2)..]);
            offset += 4;
            if (offset + length > attributes.Length)
            {
                throw new SendStreamRejectedException($"send stream attribute {type} of command {command} runs past the command");
            }
            var value = attributes.Slice(offset, length);
            offset += length;
            if (type is AttributePath or AttributePathTo or AttributeClonePath || (type == AttributePathLink && command == CommandLink))
            {
                var text = CheckPath(value, command, type, state);
                if (type == AttributePath)
                {
                    path = text;
                }
                else if (type == AttributePathTo)
                {
                    pathTo = text;
                }
            }
        }
        if (first)
        {
            if (path != state.Name)
            {
                throw new SendStreamRejectedException(
                    $"the send stream's subvolume is '{CopyProtocol.Printable(path ?? string.Empty)}', not '{state.Name}'");
            }
            return;
        }
        if (command == CommandSymlink && path is not null)
        {
            state.Symlinks.Add(path);
        }
        else if (command == CommandRename && path is not null && pathTo is not null)
        {
            foreach (var moved in state.Symlinks.Where(s => s == path || s.StartsWith(path + "/", StringComparison.Ordinal)).ToList())
            {
                state.Symlinks.Remove(moved);
                state.Symlinks.Add(pathTo + moved[path.Length..]);
            }
        }
        else if (command == CommandUnlink && path is not null)
        {
            state.Symlinks.Remove(path);
        }
    }

    private static string CheckPath(ReadOnlySpan<byte> value, ushort command, ushort type, State state)
    {
        if (value.Contains((byte)0))
        {
            throw new SendStreamRejectedException($"a path of send stream command {command} contains a NUL byte");
        }
        var text = Encoding.UTF8.GetString(value);
        if (text.StartsWith('/'))
        {
            throw new SendStreamRejectedException($"send stream command {command} names the absolute path '{CopyProtocol.Printable(text)}'");
        }
        var parts = text.Split('/');
        if (parts.Contains(".."))
        {
            throw new SendStreamRejectedException($"send stream command {command} names the path '{CopyProtocol.Printable(text)}', which leaves its subvolume");
        }
        if (state.Symlinks.Count > 0)
        {
            var prefix = new StringBuilder();
            for (var i = 0; i < parts.Length - 1; i++)
            {
                if (i > 0)
                {
                    prefix.Append('/');
                }
                prefix.Append(parts[i]);
                if (state.Symlinks.Contains(prefix.ToString()))
                {
                    throw new SendStreamRejectedException(
                        $"send stream command {command} names the path '{CopyProtocol.Printable(text)}' through a symlink it made (attribute {type})");
                }
            }
        }
        return text;
    }
}
