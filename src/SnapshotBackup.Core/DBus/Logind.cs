using Microsoft.Win32.SafeHandles;
using Tmds.DBus.Protocol;

namespace SnapshotBackup.Core.DBus;

/// <summary>A user with an active graphical (x11 or wayland) session according to logind.</summary>
public sealed record GraphicalSession(string Id, uint Uid, string UserName, string Type);

/// <summary>
/// systemd-logind on the system bus: the graphical sessions (for desktop notifications) and the sleep inhibitor lock
/// (for the daemon). Every call is one connection bounded by a timeout (<see cref="DBusDeadline"/>).
/// </summary>
public static class Logind
{
    public const string DefaultSystemBusAddress = "unix:path=/run/dbus/system_bus_socket";
    public const string Service = "org.freedesktop.login1";
    public const string ManagerPath = "/org/freedesktop/login1";
    public const string ManagerInterface = "org.freedesktop.login1.Manager";
    public const string SessionInterface = "org.freedesktop.login1.Session";

    private const string Peer = "logind";

    /// <summary><c>DBUS_SYSTEM_BUS_ADDRESS</c>, or the standard socket.</summary>
    public static string SystemBusAddress() =>
        DBusAddress.System is { } address && !string.IsNullOrWhiteSpace(address) ? address : DefaultSystemBusAddress;

    /// <summary>The active x11 / wayland sessions (ListSessions, then each session's properties).</summary>
    /// <exception cref="TimeoutException">when logind does not answer within <paramref name="timeout"/>.</exception>
    public static Task<IReadOnlyList<GraphicalSession>> ListActiveGraphicalSessionsAsync(string systemBusAddress, TimeSpan timeout, CancellationToken cancellationToken) =>
        DBusDeadline.CallAsync(new DBusConnectionOptions(systemBusAddress), timeout, Peer, ListActiveGraphicalSessionsAsync, cancellationToken);

    /// <summary>
    /// <c>Inhibit("sleep", who, why, "delay")</c>: the lock is the returned file descriptor; closing it releases the
    /// lock (the connection is not needed for it).
    /// </summary>
    /// <exception cref="TimeoutException">when logind does not answer within <paramref name="timeout"/>.</exception>
    /// <exception cref="DBusErrorReplyException">when logind is not there or refuses.</exception>
    public static Task<SafeFileHandle> InhibitSleepAsync(string systemBusAddress, string who, string why, TimeSpan timeout, CancellationToken cancellationToken) =>
        DBusDeadline.CallAsync(
            new DBusConnectionOptions(systemBusAddress),
            timeout,
            Peer,
            connection => connection.CallMethodAsync(InhibitCall(connection, who, why), static (m, _) => m.GetBodyReader().ReadHandle<SafeFileHandle>()),
            cancellationToken);

    private static async Task<IReadOnlyList<GraphicalSession>> ListActiveGraphicalSessionsAsync(DBusConnection connection)
    {
        var sessions = await connection.CallMethodAsync(ListSessionsCall(connection), static (m, _) => ReadSessions(m));
        var result = new List<GraphicalSession>();
        foreach (var (id, uid, user, path) in sessions)
        {
            var properties = await connection.CallMethodAsync(GetAllCall(connection, path), static (m, _) => m.GetBodyReader().ReadDictionaryOfStringToVariantValue());
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

    private static MessageBuffer InhibitCall(DBusConnection connection, string who, string why)
    {
        using var writer = connection.GetMessageWriter();
        writer.WriteMethodCallHeader(destination: Service, path: ManagerPath, @interface: ManagerInterface, member: "Inhibit", signature: "ssss");
        writer.WriteString("sleep"); // what
        writer.WriteString(who);
        writer.WriteString(why);
        writer.WriteString("delay"); // mode
        return writer.CreateMessage();
    }
}
