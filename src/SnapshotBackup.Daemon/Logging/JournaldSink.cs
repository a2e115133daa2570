using System.Buffers.Binary;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Serilog.Core;
using Serilog.Debugging;
using Serilog.Events;
using Serilog.Formatting.Display;

namespace SnapshotBackup.Daemon.Logging;

/// <summary>
/// Serilog sink speaking the systemd journal native protocol: one datagram per event to <c>/run/systemd/journal/socket</c>
/// with MESSAGE, PRIORITY, SYSLOG_IDENTIFIER and every scalar property as an upper-cased field (<c>Backup</c> → <c>BACKUP=</c>).
/// Entries too large for a datagram travel in a sealed memfd passed with SCM_RIGHTS (as sd_journal_send does);
/// if that fails too, MESSAGE is truncated with a marker. Never throws; failures go to Serilog's SelfLog.
/// </summary>
internal sealed class JournaldSink : ILogEventSink, IDisposable
{
    public const string DefaultSocketPath = "/run/systemd/journal/socket";
    public const string DefaultSyslogIdentifier = "snapshotbackupd";

    /// <summary>Entries larger than this go straight to the memfd path (the kernel's default datagram limit is ~208 KiB).</summary>
    internal const int MaxDatagramBytes = 200 * 1024;

    /// <summary>MESSAGE bytes kept by the truncation fallback.</summary>
    internal const int TruncatedMessageBytes = 64 * 1024;

    private static readonly HashSet<string> ReservedFields = ["MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER"];

    private readonly UnixDomainSocketEndPoint endPoint;
    private readonly string syslogIdentifier;
    private readonly IFormatProvider formatProvider;
    private readonly MessageTemplateTextFormatter messageFormatter;
    private readonly Lock gate = new();
    private Socket? socket;
    private bool disposed;

    public JournaldSink(string syslogIdentifier = DefaultSyslogIdentifier, string socketPath = DefaultSocketPath, IFormatProvider? formatProvider = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(syslogIdentifier);
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        this.syslogIdentifier = syslogIdentifier;
        this.formatProvider = formatProvider ?? CultureInfo.InvariantCulture;
        endPoint = new UnixDomainSocketEndPoint(socketPath);
        messageFormatter = new MessageTemplateTextFormatter("{Message:lj}", this.formatProvider);
    }

    /// <summary>Test hook: when false, oversized entries skip the memfd path and are truncated.</summary>
    internal bool UseMemfd { get; init; } = true;

    public void Emit(LogEvent logEvent)
    {
        if (logEvent is null)
        {
            return;
        }

        try
        {
            var message = RenderMessage(logEvent);
            var payload = Serialize(logEvent, message);
            lock (gate)
            {
                if (!disposed)
                {
                    Send(payload, logEvent, message);
                }
            }
        }
        catch (Exception ex)
        {
            SelfLog.WriteLine("JournaldSink failed to write an event: {0}", ex);
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

    /// <summary>Journal PRIORITY (syslog severity) for a Serilog level.</summary>
    internal static int Priority(LogEventLevel level) => level switch
    {
        LogEventLevel.Verbose or LogEventLevel.Debug => 7,
        LogEventLevel.Information => 6,
        LogEventLevel.Warning => 4,
        LogEventLevel.Error => 3,
        _ => 2,
    };

    /// <summary>
    /// Journal field name for a property: upper-cased, characters outside [A-Z0-9_] → '_', a <c>P_</c> prefix when it would start
    /// with '_' or a digit or clash with a field the sink sets itself, at most 64 characters. Null when nothing usable remains.
    /// </summary>
    internal static string? FieldName(string propertyName)
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

    private static string Truncate(string message, int maxBytes)
    {
        var bytes = Encoding.UTF8.GetBytes(message);
        if (bytes.Length <= maxBytes)
        {
            return message;
        }

        // Back off to a UTF-8 character boundary.
        var cut = maxBytes;
        while (cut > 0 && (bytes[cut] & 0xC0) == 0x80)
        {
            cut--;
        }

        return Encoding.UTF8.GetString(bytes, 0, cut)
            + string.Create(CultureInfo.InvariantCulture, $" … [truncated {bytes.Length - cut} bytes]");
    }

    private string RenderMessage(LogEvent logEvent)
    {
        using var writer = new StringWriter(formatProvider);
        messageFormatter.Format(logEvent, writer);
        if (logEvent.Exception is not null)
        {
            writer.Write('\n');
            writer.Write(logEvent.Exception.ToString());
        }

        return writer.ToString();
    }

    private byte[] Serialize(LogEvent logEvent, string message)
    {
        using var stream = new MemoryStream();
        AppendField(stream, "MESSAGE", message);
        AppendField(stream, "PRIORITY", Priority(logEvent.Level).ToString(CultureInfo.InvariantCulture));
        AppendField(stream, "SYSLOG_IDENTIFIER", syslogIdentifier);
        foreach (var (key, value) in logEvent.Properties)
        {
            if (value is not ScalarValue scalar || scalar.Value is null || FieldName(key) is not { } name)
            {
                continue;
            }

            var text = scalar.Value switch
            {
                string s => s,
                IFormattable f => f.ToString(null, formatProvider),
                var other => other.ToString() ?? string.Empty,
            };
            AppendField(stream, name, text);
        }

        return stream.ToArray();
    }

    private void Send(byte[] payload, LogEvent logEvent, string message)
    {
        if (payload.Length <= MaxDatagramBytes)
        {
            try
            {
                socket ??= new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified) { SendTimeout = 2000 };
                socket.SendTo(payload, SocketFlags.None, endPoint);
                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.MessageSize or SocketError.NoBufferSpaceAvailable)
            {
                // Too big for a datagram after all: fall through to the memfd path.
            }
            catch (SocketException)
            {
                socket?.Dispose();
                socket = null;
                throw;
            }
        }

        if (UseMemfd)
        {
            try
            {
                using var memfdSocket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified) { SendTimeout = 2000 };
                memfdSocket.Connect(endPoint);
                JournalMemfd.Send(memfdSocket, payload);
                return;
            }
            catch (Exception ex) when (ex is IOException or SocketException or EntryPointNotFoundException or DllNotFoundException)
            {
                SelfLog.WriteLine("JournaldSink could not pass a {0}-byte entry via memfd, truncating it: {1}", payload.Length, ex.Message);
            }
        }

        var truncated = Serialize(logEvent, Truncate(message, TruncatedMessageBytes));
        socket ??= new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified) { SendTimeout = 2000 };
        socket.SendTo(truncated, SocketFlags.None, endPoint);
    }
}
