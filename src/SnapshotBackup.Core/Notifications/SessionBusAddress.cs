using System.Globalization;
using System.Text;

namespace SnapshotBackup.Core.Notifications;

/// <summary>
/// <c>DBUS_SESSION_BUS_ADDRESS</c> as the original's page tells cron users to set it
/// (<c>unix:path=/run/user/1000/bus</c>): the first <c>unix:path=</c> entry of the address list, its value
/// %-unescaped. Only such a socket can be notified here: its owner (the desktop user) is whom the notification is sent
/// as, and root cannot open a user's bus itself. Abstract sockets, <c>unix:dir=</c>, <c>tcp:</c> and the rest are
/// refused with a reason.
/// </summary>
public sealed record SessionBusAddress
{
    public const string Variable = "DBUS_SESSION_BUS_ADDRESS";

    private SessionBusAddress(string text, string socketPath, string childAddress)
    {
        Text = text;
        SocketPath = socketPath;
        ChildAddress = childAddress;
    }

    /// <summary>The address as given.</summary>
    public string Text { get; }

    /// <summary>The socket's absolute path, unescaped.</summary>
    public string SocketPath { get; }

    /// <summary>The address for the notifying child: the <c>unix:path=</c> entry alone, escaped as it was given.</summary>
    public string ChildAddress { get; }

    /// <summary>Parses <paramref name="text"/>; null with <paramref name="why"/> when it names no usable unix socket path.</summary>
    public static SessionBusAddress? Parse(string text, out string? why)
    {
        ArgumentNullException.ThrowIfNull(text);
        var transports = new List<string>();
        foreach (var entry in text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = entry.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                transports.Add($"'{entry}' is not of the form transport:key=value");
                continue;
            }
            var transport = entry[..colon];
            var pairs = entry[(colon + 1)..].Split(',');
            var path = pairs.FirstOrDefault(p => p.StartsWith("path=", StringComparison.Ordinal))?["path=".Length..];
            if (transport != "unix" || path is null)
            {
                var keys = string.Join(",", pairs.Select(p => p.Split('=')[0]).Where(k => k.Length > 0));
                transports.Add(transport == "unix" ? $"unix:{keys}" : transport + ":");
                continue;
            }
            if (Unescape(path) is not { } socketPath)
            {
                transports.Add($"unix:path= with a bad %-escape");
                continue;
            }
            if (!socketPath.StartsWith('/'))
            {
                transports.Add($"unix:path={socketPath}, not an absolute path");
                continue;
            }
            why = null;
            return new SessionBusAddress(text, socketPath, "unix:path=" + path);
        }
        why = transports.Count == 0
            ? "it is empty"
            : $"it names no unix:path= socket ({string.Join("; ", transports)}); abstract sockets, tcp and other transports cannot be notified as their desktop user";
        return null;
    }

    /// <summary>D-Bus address value unescaping: <c>%XX</c> is a byte; null for a broken escape.</summary>
    private static string? Unescape(string value)
    {
        if (!value.Contains('%', StringComparison.Ordinal))
        {
            return value;
        }
        var bytes = new List<byte>(value.Length);
        var start = 0;
        for (var i = value.IndexOf('%', StringComparison.Ordinal); i >= 0; i = value.IndexOf('%', start))
        {
            bytes.AddRange(Encoding.UTF8.GetBytes(value[start..i]));
            if (i + 2 >= value.Length || !byte.TryParse(value.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
            {
                return null;
            }
            bytes.Add(b);
            start = i + 3;
        }
        bytes.AddRange(Encoding.UTF8.GetBytes(value[start..]));
        return Encoding.UTF8.GetString([.. bytes]);
    }
}
