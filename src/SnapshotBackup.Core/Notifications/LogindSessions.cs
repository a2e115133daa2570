using Tmds.DBus.Protocol;

namespace SnapshotBackup.Core.Notifications;

/// <summary>A user with an active graphical (x11 or wayland) session according to logind.</summary>
public sealed record GraphicalSession(string Id, uint Uid, string UserName, string Type);

/// <summary>Asks systemd-logind on the system bus (ListSessions, then each session's properties).</summary>
public static class LogindSessions
{
    public const string DefaultSystemBusAddress = "unix:path=/run/dbus/system_bus_socket";
    public const string Service = "org.freedesktop.login1";
    public const string ManagerPath = "/org/freedesktop/login1";
    public const string ManagerInterface = "org.freedesktop.login1.Manager";
    public const string SessionInterface = "org.freedesktop.login1.Session";

    public static string SystemBusAddress() =>
        DBusAddress.System is { Length: > 0 } address ? address : DefaultSystemBusAddress;

    /// <summary>The active x11 / wayland sessions; throws when logind cannot be asked within <paramref name="timeout"/>.</summary>
    public static async Task<IReadOnlyList<GraphicalSession>> ListActiveGraphicalAsync(string systemBusAddress, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var connection = new DBusConnection(new DBusConnectionOptions(systemBusAddress) { AutoConnect = false });
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await connection.ConnectAsync().AsTask().WaitAsync(deadline.Token);
            var sessions = await connection.CallMethodAsync(ListSessionsCall(connection), static (m, _) => ReadSessions(m)).WaitAsync(deadline.Token);
            var result = new List<GraphicalSession>();
            foreach (var (id, uid, user, path) in sessions)
            {
                var properties = await connection.CallMethodAsync(GetAllCall(connection, path), static (m, _) => m.GetBodyReader().ReadDictionaryOfStringToVariantValue())
                    .WaitAsync(deadline.Token);
                var type = Text(properties, "Type");
                var active = properties.TryGetValue("Active", out var a) && a.Type == VariantValueType.Bool && a.GetBool();
                var state = Text(properties, "State");
                if (type is "x11" or "wayland" && (active || state == "active"))
                {
                    result.Add(new GraphicalSession(id, uid, user, type));
                }
            }
            return result;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"logind did not answer within {timeout.TotalSeconds:0} s");
        }
    }

    private static string? Text(Dictionary<string, VariantValue> properties, string name) =>
        properties.TryGetValue(name, out var v) && v.Type == VariantValueType.String ? v.GetString() : null;

    private static List<(string Id, uint Uid, string User, string Path)> ReadSessions(Message message)
    {
        var reader = message.GetBodyReader();
        var list = new List<(string, uint, string, string)>();
        var end = reader.ReadArrayStart(DBusType.Struct);
        while (reader.HasNext(end))
        {
            reader.AlignStruct();
            var id = reader.ReadString();
            var uid = reader.ReadUInt32();
            var user = reader.ReadString();
            _ = reader.ReadString(); // seat
            var path = reader.ReadObjectPathAsString();
            list.Add((id, uid, user, path));
        }
        return list;
    }

    private static MessageBuffer ListSessionsCall(DBusConnection connection)
    {
        using var writer = connection.GetMessageWriter();
        writer.WriteMethodCallHeader(destination: Service, path: ManagerPath, @interface: ManagerInterface, member: "ListSessions");
        return writer.CreateMessage();
    }

    private static MessageBuffer GetAllCall(DBusConnection connection, string path)
    {
        using var writer = connection.GetMessageWriter();
        writer.WriteMethodCallHeader(destination: Service, path: path, @interface: "org.freedesktop.DBus.Properties", member: "GetAll", signature: "s");
        writer.WriteString(SessionInterface);
        return writer.CreateMessage();
    }
}
