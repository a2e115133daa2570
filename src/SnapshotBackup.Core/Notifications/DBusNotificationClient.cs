using SnapshotBackup.Core.DBus;
using Tmds.DBus.Protocol;

namespace SnapshotBackup.Core.Notifications;

/// <summary>Calls <c>org.freedesktop.Notifications.Notify</c> on a session bus, every step bounded by a timeout.</summary>
public static class DBusNotificationClient
{
    public const string Service = "org.freedesktop.Notifications";
    public const string ObjectPath = "/org/freedesktop/Notifications";
    public const string Interface = "org.freedesktop.Notifications";

    /// <summary>Connects with <paramref name="options"/>, sends, returns the server's notification id.</summary>
    /// <exception cref="TimeoutException">when connecting and calling take longer than <paramref name="timeout"/>.</exception>
    public static Task<uint> SendAsync(DBusConnectionOptions options, Notification notification, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notification);
        return DBusDeadline.CallAsync(
            options,
            timeout,
            "the session bus",
            connection => connection.CallMethodAsync(CreateNotifyCall(connection, notification), static (m, _) => m.GetBodyReader().ReadUInt32()),
            cancellationToken);
    }

    private static MessageBuffer CreateNotifyCall(DBusConnection connection, Notification notification)
    {
        using var writer = connection.GetMessageWriter();
        writer.WriteMethodCallHeader(
            destination: Service,
            path: ObjectPath,
            @interface: Interface,
            member: "Notify",
            signature: "susssasa{sv}i",
            flags: MessageFlags.None);
        writer.WriteString(notification.AppName);
        writer.WriteUInt32(0); // replaces_id
        writer.WriteString(string.Empty); // app_icon
        writer.WriteString(notification.Summary);
        writer.WriteString(notification.Body);
        writer.WriteArray(Array.Empty<string>()); // actions
        var hints = writer.WriteDictionaryStart();
        writer.WriteDictionaryEntryStart();
        writer.WriteString("urgency");
        writer.WriteVariantByte((byte)notification.Urgency);
        writer.WriteDictionaryEnd(hints);
        writer.WriteInt32(notification.ExpireTimeout);
        return writer.CreateMessage();
    }
}

/// <summary>
/// A unix socket that leads to another user's bus (an ssh-forwarded remote session bus): the EXTERNAL authentication
/// claims <paramref name="userId"/>, the uid the bus sees on its end of the forward, not this process's uid.
/// </summary>
public sealed class ForwardedBusOptions(string socketPath, string userId) : DBusConnectionOptions
{
    protected override ValueTask<SetupResult> SetupAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(new SetupResult("unix:path=" + socketPath) { UserId = userId });
}
