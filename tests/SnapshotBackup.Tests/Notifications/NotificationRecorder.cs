using System.Collections.Concurrent;
using System.Threading.Channels;
using Tmds.DBus.Protocol;

namespace SnapshotBackup.Tests.Notifications;

/// <summary>One Notify call as the server received it.</summary>
public sealed record RecordedNotification(string AppName, uint ReplacesId, string Icon, string Summary, string Body, string[] Actions, byte? Urgency, int ExpireTimeout);

/// <summary>
/// A test notification server: owns <c>org.freedesktop.Notifications</c> and records every Notify call.
/// </summary>
public sealed class NotificationRecorder : IPathMethodHandler
{
    private readonly ConcurrentQueue<RecordedNotification> _calls = new();
    private readonly Channel<RecordedNotification> _arrived = Channel.CreateUnbounded<RecordedNotification>();
    private uint _nextId;

    public IReadOnlyList<RecordedNotification> Calls => _calls.ToArray();

    public string Path => "/org/freedesktop/Notifications";

    public bool HandlesChildPaths => false;

    public void Clear()
    {
        while (_calls.TryDequeue(out _))
        {
        }
        while (_arrived.Reader.TryRead(out _))
        {
        }
    }

    /// <summary>The next call not yet taken, or null after <paramref name="timeout"/>.</summary>
    public async Task<RecordedNotification?> NextAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            return await _arrived.Reader.ReadAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public ValueTask HandleMethodAsync(MethodContext context)
    {
        var request = context.Request;
        if (request.InterfaceAsString != "org.freedesktop.Notifications")
        {
            context.ReplyUnknownMethodError();
            return ValueTask.CompletedTask;
        }
        switch (request.MemberAsString)
        {
            case "Notify" when request.SignatureAsString == "susssasa{sv}i":
            {
                var reader = request.GetBodyReader();
                var app = reader.ReadString();
                var replaces = reader.ReadUInt32();
                var icon = reader.ReadString();
                var summary = reader.ReadString();
                var body = reader.ReadString();
                var actions = reader.ReadArrayOfString();
                var hints = reader.ReadDictionaryOfStringToVariantValue();
                var expire = reader.ReadInt32();
                byte? urgency = hints.TryGetValue("urgency", out var u) && u.Type == VariantValueType.Byte ? u.GetByte() : null;
                var call = new RecordedNotification(app, replaces, icon, summary, body, actions, urgency, expire);
                _calls.Enqueue(call);
                _arrived.Writer.TryWrite(call);
                using var writer = context.CreateReplyWriter("u");
                writer.WriteUInt32(Interlocked.Increment(ref _nextId));
                context.Reply(writer.CreateMessage());
                break;
            }
            case "GetCapabilities":
            {
                using var writer = context.CreateReplyWriter("as");
                writer.WriteArray(new[] { "body" });
                context.Reply(writer.CreateMessage());
                break;
            }
            default:
                context.ReplyUnknownMethodError();
                break;
        }
        return ValueTask.CompletedTask;
    }
}
