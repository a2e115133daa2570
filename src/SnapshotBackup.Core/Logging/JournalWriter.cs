using System.Buffers.Binary;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace SnapshotBackup.Core.Logging;

/// <summary>
/// The systemd journal's native protocol, for the daemon's Serilog sink and the command's <c>-s</c> logger alike:
/// one entry (MESSAGE, PRIORITY, SYSLOG_IDENTIFIER, then the caller's fields) serialized as <c>KEY=value\n</c>, or
/// <c>KEY\n&lt;u64 LE length&gt;value\n</c> when the value holds a newline, and sent as one datagram to
/// <c>/run/systemd/journal/socket</c>. Entries too large for a datagram travel in a sealed memfd passed with
/// SCM_RIGHTS (<see cref="JournalMemfd"/>, as sd_journal_send does); if that fails too, MESSAGE is truncated with a
/// marker. <see cref="Write"/> never throws: a failure is reported to <see cref="Failed"/> and as its result.
/// </summary>
public sealed class JournalWriter : IDisposable
{
    public const string DefaultSocketPath = "/run/systemd/journal/socket";

    /// <summary>Entries larger than this go straight to the memfd path (the kernel's default datagram limit is ~208 KiB).</summary>
    public const int MaxDatagramBytes = 200 * 1024;

    /// <summary>MESSAGE bytes kept by the truncation fallback.</summary>
    public const int TruncatedMessageBytes = 64 * 1024;

    private static readonly HashSet<string> ReservedFields = ["MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER"];

    private readonly UnixDomainSocketEndPoint endPoint;
    private readonly Lock gate = new();
    private Socket? socket;
    private bool disposed;

    public JournalWriter(string socketPath = DefaultSocketPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        SocketPath = socketPath;
        endPoint = new UnixDomainSocketEndPoint(socketPath);
    }

    public string SocketPath { get; }

    /// <summary>When false, oversized entries skip the memfd path and are truncated (tests).</summary>
    public bool UseMemfd { get; set; } = true;

    /// <summary>Told why an entry could not be written, or was written truncated (the daemon: Serilog's SelfLog).</summary>
    public Action<string>? Failed { get; init; }

    /// <summary>
    /// Writes one entry. <paramref name="fields"/> are written after the three fixed ones, in order; their names must
    /// already be valid journal field names (see <see cref="FieldName"/>). True when journald got the entry (possibly
    /// truncated); false when it could not be sent (no journal, a full socket buffer for 2 s, or after
    /// <see cref="Dispose"/>).
    /// </summary>
    public bool Write(string syslogIdentifier, int priority, string message, IEnumerable<KeyValuePair<string, string>>? fields = null)
    {
        try
        {
            var extra = fields?.ToList() ?? [];
            var payload = Serialize(syslogIdentifier, priority, message, extra);
            lock (gate)
            {
                return !disposed && Send(payload, () => Serialize(syslogIdentifier, priority, Truncate(message, TruncatedMessageBytes), extra));
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Failed?.Invoke($"the journal at {SocketPath} did not take an entry: {e.Message}");
            return false;
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            disposed = true;
            socket?.Dispose();
            socket = null;
        }
    }

    /// <summary>
    /// A journal field name for a property or key: upper-cased, characters outside [A-Z0-9_] → '_', a <c>P_</c> prefix when
    /// it would start with '_' or a digit or clash with a field the writer sets itself, at most 64 characters. Null when
    /// nothing usable remains.
    /// </summary>
    public static string? FieldName(string propertyName)
    {
        if (string.IsNullOrEmpty(propertyName))
        {
            return null;
        }

        var builder = new StringBuilder(propertyName.Length + 2);
        foreach (var c in propertyName)
        {
            var upper = char.ToUpperInvariant(c);
            builder.Append(upper is (>= 'A' and <= 'Z') or (>= '0' and <= '9') ? upper : '_');
        }

        var name = builder.ToString();
        if (name[0] == '_' || char.IsAsciiDigit(name[0]) || ReservedFields.Contains(name))
        {
            name = "P_" + name;
        }

        return name.Length > 64 ? name[..64] : name;
    }

    /// <summary>The entry as journald reads it from a datagram or a memfd.</summary>
    public static byte[] Serialize(string syslogIdentifier, int priority, string message, IEnumerable<KeyValuePair<string, string>> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        using var stream = new MemoryStream();
        AppendField(stream, "MESSAGE", message);
        AppendField(stream, "PRIORITY", priority.ToString(CultureInfo.InvariantCulture));
        AppendField(stream, "SYSLOG_IDENTIFIER", syslogIdentifier);
        foreach (var (name, value) in fields)
        {
            AppendField(stream, name, value);
        }

        return stream.ToArray();
    }

    private static void AppendField(MemoryStream stream, string name, string value)
    {
        stream.Write(Encoding.ASCII.GetBytes(name));
        var bytes = Encoding.UTF8.GetBytes(value);
        if (value.Contains('\n', StringComparison.Ordinal))
        {
            stream.WriteByte((byte)'\n');
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)bytes.Length);
            stream.Write(length);
        }
        else
        {
            stream.WriteByte((byte)'=');
        }

        stream.Write(bytes);
        stream.WriteByte((byte)'\n');
    }

    /// <summary>At most <paramref name="maxBytes"/> UTF-8 bytes of <paramref name="message"/>, cut at a character boundary, with a marker.</summary>
    internal static string Truncate(string message, int maxBytes)
    {
        var bytes = Encoding.UTF8.GetBytes(message);
        if (bytes.Length <= maxBytes)
        {
            return message;
        }

        var cut = maxBytes;
        while (cut > 0 && (bytes[cut] & 0xC0) == 0x80)
        {
            cut--;
        }

        return Encoding.UTF8.GetString(bytes, 0, cut)
            + string.Create(CultureInfo.InvariantCulture, $" … [truncated {bytes.Length - cut} bytes]");
    }

    /// <summary>Under <see cref="gate"/>: a datagram, else a memfd, else the truncated entry as a datagram.</summary>
    private bool Send(byte[] payload, Func<byte[]> truncated)
    {
        if (payload.Length <= MaxDatagramBytes)
        {
            try
            {
                SendDatagram(payload);
                return true;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.MessageSize or SocketError.NoBufferSpaceAvailable)
            {
                // Too big for a datagram after all: on to the memfd path.
            }
        }

        if (UseMemfd)
        {
            try
            {
                using var memfdSocket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified) { SendTimeout = 2000 };
                memfdSocket.Connect(endPoint);
                JournalMemfd.Send(memfdSocket, payload);
                return true;
            }
            catch (Exception ex) when (ex is IOException or SocketException or EntryPointNotFoundException or DllNotFoundException)
            {
                Failed?.Invoke($"could not pass a {payload.Length}-byte entry via memfd, truncating it: {ex.Message}");
            }
        }

        SendDatagram(truncated());
        return true;
    }

    private void SendDatagram(byte[] payload)
    {
        try
        {
            socket ??= new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified) { SendTimeout = 2000 };
            socket.SendTo(payload, SocketFlags.None, endPoint);
        }
        catch (SocketException ex) when (ex.SocketErrorCode is not (SocketError.MessageSize or SocketError.NoBufferSpaceAvailable))
        {
            socket?.Dispose();
            socket = null;
            throw;
        }
    }
}
