using Tmds.DBus.Protocol;

namespace SnapshotBackup.Tests.Notifications;

public sealed record FakeSession(string Id, uint Uid, string User, string Type, bool Active, string State)
{
    public string ObjectPath => "/org/freedesktop/login1/session/_" + Id;
}

/// <summary>
/// Minimal systemd-logind for the session side on a test system bus: <c>Manager.ListSessions → a(susso)</c> and
/// <c>org.freedesktop.DBus.Properties.GetAll("org.freedesktop.login1.Session")</c> on each session path.
/// </summary>
public sealed class FakeLogindSessions : IPathMethodHandler, IAsyncDisposable
{
    private readonly DBusConnection _connection;
    private readonly IReadOnlyList<FakeSession> _sessions;

    private FakeLogindSessions(DBusConnection connection, IReadOnlyList<FakeSession> sessions)
    {
        _connection = connection;
        _sessions = sessions;
    }

    public string Path => "/org/freedesktop/login1";

    public bool HandlesChildPaths => true;

    public static async Task<FakeLogindSessions> StartAsync(string busAddress, params FakeSession[] sessions)
    {
        var connection = new DBusConnection(new DBusConnectionOptions(busAddress) { AutoConnect = false });
        try
        {
            await connection.ConnectAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
            var fake = new FakeLogindSessions(connection, sessions);
            connection.AddMethodHandler(fake);
            if (!await connection.TryRequestNameAsync("org.freedesktop.login1").WaitAsync(TimeSpan.FromSeconds(5)))
            {
                throw new InvalidOperationException("org.freedesktop.login1 is already owned");
            }
            return fake;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    public ValueTask HandleMethodAsync(MethodContext context)
    {
        var request = context.Request;
        var path = request.PathAsString;
        if (path == Path && request.InterfaceAsString == "org.freedesktop.login1.Manager" && request.MemberAsString == "ListSessions")
        {
            using var writer = context.CreateReplyWriter("a(susso)");
            var array = writer.WriteArrayStart(DBusType.Struct);
            foreach (var s in _sessions)
            {
                writer.WriteStructureStart();
                writer.WriteString(s.Id);
                writer.WriteUInt32(s.Uid);
                writer.WriteString(s.User);
                writer.WriteString("seat0");
                writer.WriteObjectPath(s.ObjectPath);
            }
            writer.WriteArrayEnd(array);
            context.Reply(writer.CreateMessage());
            return ValueTask.CompletedTask;
        }
        var session = _sessions.FirstOrDefault(s => s.ObjectPath == path);
        if (session is not null && request.InterfaceAsString == "org.freedesktop.DBus.Properties" && request.MemberAsString == "GetAll")
        {
            using var writer = context.CreateReplyWriter("a{sv}");
            var dict = writer.WriteDictionaryStart();
            writer.WriteDictionaryEntryStart();
            writer.WriteString("Type");
            writer.WriteVariantString(session.Type);
            writer.WriteDictionaryEntryStart();
            writer.WriteString("Active");
            writer.WriteVariantBool(session.Active);
            writer.WriteDictionaryEntryStart();
            writer.WriteString("State");
            writer.WriteVariantString(session.State);
            writer.WriteDictionaryEnd(dict);
            context.Reply(writer.CreateMessage());
            return ValueTask.CompletedTask;
        }
        context.ReplyUnknownMethodError();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _connection.Dispose();
        return ValueTask.CompletedTask;
    }
}
