namespace SnapshotBackup.Core.Notifications;

/// <summary>The freedesktop urgency hint (<c>urgency</c>, a byte): 0 low, 1 normal, 2 critical.</summary>
public enum NotificationUrgency : byte
{
    Low = 0,
    Normal = 1,
    Critical = 2,
}

/// <summary>One desktop notification. Text is passed as data end to end; it never reaches a shell.</summary>
public sealed record Notification(string Summary, string Body, NotificationUrgency Urgency)
{
    public const string DefaultAppName = "snapshotbackup";

    public string AppName { get; init; } = DefaultAppName;

    /// <summary>How long the server should show it, in milliseconds; -1 is the server's default.</summary>
    public int ExpireTimeout { get; init; } = -1;

    public static Notification Succeeded(string section, string? snapshot) => new(
        $"backup {section} finished",
        snapshot is null ? "the backup finished" : $"new snapshot {snapshot}",
        NotificationUrgency.Normal);

    public static Notification Failed(string section, string reason) => new(
        $"backup {section} failed",
        reason,
        NotificationUrgency.Critical);

    public static Notification Test(string section) => new(
        $"backup {section}: test notification",
        "snapshotbackup can reach this desktop",
        NotificationUrgency.Normal);
}

/// <summary>Whether one target (a local user or <c>user@host</c>) got the notification, and why not.</summary>
public sealed record NotificationResult(string Target, bool Delivered, string? Error = null)
{
    public override string ToString() => Delivered ? $"{Target}: delivered" : $"{Target}: not delivered: {Error}";
}

/// <summary>Something that shows a notification on one or more desktops.</summary>
public interface INotificationTarget
{
    /// <summary>Sends to every desktop this target stands for; never throws for a failed delivery (see the results).</summary>
    Task<IReadOnlyList<NotificationResult>> SendAsync(Notification notification, CancellationToken cancellationToken);
}
