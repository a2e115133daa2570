using System.Text.Json;
using System.Text.Json.Serialization;
using SnapshotBackup.Core.Processes;
using Tmds.DBus.Protocol;

namespace SnapshotBackup.Core.Notifications;

/// <summary>
/// The hidden <c>snapshotbackup __notify</c> command: run as the desktop user (root cannot open a user's session bus),
/// it reads one notification as JSON from standard input and sends it to <c>$DBUS_SESSION_BUS_ADDRESS</c>.
/// The text never appears on a command line. Exit 0 when the notification server accepted it, 1 otherwise.
/// </summary>
public static class NotifyChild
{
    public const string CommandName = "__notify";
    public static readonly TimeSpan DBusTimeout = TimeSpan.FromSeconds(4);

    /// <summary>The longest body passed on (rsync's error tail can be long; a notification is not a log).</summary>
    public const int MaxBodyLength = 4000;

    public static async Task<int> RunAsync(Stream input, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(error);
        try
        {
            var payload = await JsonSerializer.DeserializeAsync(input, NotificationJsonContext.Default.NotificationPayload, cancellationToken)
                ?? throw new InvalidDataException("no notification on standard input");
            var address = DBusAddress.Session;
            if (string.IsNullOrWhiteSpace(address))
            {
                throw new InvalidOperationException("DBUS_SESSION_BUS_ADDRESS is not set");
            }
            var id = await DBusNotificationClient.SendAsync(new DBusConnectionOptions(address), payload.ToNotification(), DBusTimeout, cancellationToken);
            await error.WriteLineAsync($"notification {id} sent");
            return 0;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            await error.WriteLineAsync(e is DBusErrorReplyException d ? $"{d.ErrorName}: {d.ErrorMessage}" : e.Message);
            return 1;
        }
    }

    /// <summary>How to start this command from a running snapshotbackup or snapshotbackupd (or a test host).</summary>
    /// <remarks>
    /// The <c>snapshotbackup</c> executable next to the running program; when there is only <c>snapshotbackup.dll</c>
    /// (a build or test output directory), the dotnet host runs it.
    /// </remarks>
    public static ExternalCommand Locate()
    {
        var directory = AppContext.BaseDirectory;
        var apphost = Path.Combine(directory, "snapshotbackup");
        if (File.Exists(apphost))
        {
            return new ExternalCommand(apphost, [CommandName]);
        }
        var dll = Path.Combine(directory, "snapshotbackup.dll");
        var host = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
        return new ExternalCommand(host, [dll, CommandName]);
    }

    /// <summary>The JSON written to the child's standard input (ASCII only: anything else is \u-escaped).</summary>
    public static string Serialize(Notification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);
        return JsonSerializer.Serialize(NotificationPayload.From(notification), NotificationJsonContext.Default.NotificationPayload);
    }
}

/// <summary>A notification as JSON, for <see cref="NotifyChild"/>.</summary>
public sealed record NotificationPayload
{
    [JsonPropertyName("app_name")]
    public string AppName { get; init; } = Notification.DefaultAppName;

    [JsonPropertyName("summary")]
    public string Summary { get; init; } = string.Empty;

    [JsonPropertyName("body")]
    public string Body { get; init; } = string.Empty;

    [JsonPropertyName("urgency")]
    public byte Urgency { get; init; } = (byte)NotificationUrgency.Normal;

    [JsonPropertyName("expire_timeout")]
    public int ExpireTimeout { get; init; } = -1;

    public static NotificationPayload From(Notification n) => new()
    {
        AppName = n.AppName,
        Summary = n.Summary,
        Body = n.Body.Length > NotifyChild.MaxBodyLength ? n.Body[..NotifyChild.MaxBodyLength] + "…" : n.Body,
        Urgency = (byte)n.Urgency,
        ExpireTimeout = n.ExpireTimeout,
    };

    public Notification ToNotification() =>
        new(Summary, Body, (NotificationUrgency)Math.Min(Urgency, (byte)NotificationUrgency.Critical)) { AppName = AppName, ExpireTimeout = ExpireTimeout };
}

[JsonSerializable(typeof(NotificationPayload))]
internal sealed partial class NotificationJsonContext : JsonSerializerContext;
