using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.DBus;
using SnapshotBackup.Core.Internal;
using SnapshotBackup.Core.Processes;

namespace SnapshotBackup.Core.Notifications;

/// <summary>
/// Notifications on this machine's desktops: <c>notify_user</c>'s, or else every user with an active graphical session
/// according to logind; and the bus named by <see cref="SessionBusAddress"/> (<c>DBUS_SESSION_BUS_ADDRESS</c>, as the
/// original's page tells cron users to set it) unless it is one of those users' buses already. For each bus a
/// short-lived <c>snapshotbackup __notify</c> runs with the bus owner's uid, gid and groups (setpriv) and
/// <c>DBUS_SESSION_BUS_ADDRESS</c> set to that bus: a session bus accepts only its owner, so root cannot deliver by
/// itself.
/// </summary>
public sealed class LocalDesktopTarget(ILogger logger, ProcessRunner runner, string? notifyUser) : INotificationTarget
{
    /// <summary>For the child: start, connect to the bus, call Notify, exit.</summary>
    public TimeSpan ChildTimeout { get; init; } = TimeSpan.FromSeconds(8);

    public TimeSpan LogindTimeout { get; init; } = TimeSpan.FromSeconds(3);

    public string SystemBusAddress { get; init; } = Logind.SystemBusAddress();

    /// <summary>
    /// <c>DBUS_SESSION_BUS_ADDRESS</c> of the command or the daemon (null or blank: none). A <c>unix:path=</c> socket is
    /// notified as its owner; any other address is a failed result saying why (one warning per notification).
    /// </summary>
    public string? SessionBusAddress { get; init; }

    /// <summary>Where the users' runtime directories are; <c>{0}</c> is the uid.</summary>
    public string RuntimeDirectoryFormat { get; init; } = "/run/user/{0}";

    public ExternalCommand ChildCommand { get; init; } = NotifyChild.Locate();

    /// <summary>One session bus to notify: the target's name in results, the bus socket, and as whom to connect.</summary>
    private sealed record Desktop(string Target, string Bus, string Address, UserAccount Owner, string? RuntimeDirectory, bool SwitchUser);

    public async Task<IReadOnlyList<NotificationResult>> SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        var failed = new List<NotificationResult>();
        var desktops = new List<Desktop>();
        foreach (var (target, account) in await UsersAsync(cancellationToken))
        {
            if (account is null)
            {
                failed.Add(new NotificationResult(target, false, "no such user"));
                continue;
            }
            if (LibC.GetEUid() is var euid && euid != 0 && euid != account.Uid)
            {
                failed.Add(new NotificationResult(account.Name, false, "only root can notify another user's desktop (this runs as a normal user)"));
                continue;
            }
            var runtime = RuntimeDirectory(account.Uid);
            var bus = Path.Combine(runtime, "bus");
            if (!File.Exists(bus))
            {
                failed.Add(new NotificationResult(account.Name, false, $"no session bus at {bus} (not logged in?)"));
                continue;
            }
            desktops.Add(new Desktop(account.Name, bus, "unix:path=" + bus, account, runtime, LibC.GetEUid() != account.Uid));
        }
        if (!string.IsNullOrWhiteSpace(SessionBusAddress))
        {
            var (desktop, failure) = EnvironmentDesktop(SessionBusAddress, desktops);
            if (failure is not null)
            {
                failed.Add(failure);
            }
            if (desktop is not null)
            {
                desktops.Add(desktop);
            }
        }
        var results = await Task.WhenAll(desktops.Select(d => SendToAsync(d, notification, cancellationToken)));
        return [.. failed, .. results];
    }

    /// <summary>notify_user, or the users with an active graphical session (none when logind cannot be asked).</summary>
    private async Task<List<(string Target, UserAccount? Account)>> UsersAsync(CancellationToken cancellationToken)
    {
        if (notifyUser is { Length: > 0 } name)
        {
            return [(name, UserAccount.Find(name))];
        }
        IReadOnlyList<GraphicalSession> sessions;
        try
        {
            sessions = await Logind.ListActiveGraphicalSessionsAsync(SystemBusAddress, LogindTimeout, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogDebug("no local desktop notification through logind: cannot ask it for graphical sessions: {Reason}", e.Message);
            return [];
        }
        if (sessions.Count == 0)
        {
            logger.LogDebug("no local desktop notification through logind: notify_user is not set and nobody has an active graphical session");
        }
        // A normal user can reach no session bus but their own.
        var euid = LibC.GetEUid();
        return sessions.Where(s => euid == 0 || s.Uid == euid)
            .GroupBy(s => s.Uid).Select(g => (g.First().UserName, UserAccount.Find(g.Key))).ToList();
    }

    /// <summary>
    /// The desktop of <c>DBUS_SESSION_BUS_ADDRESS</c>: its socket's owner is whom to connect as (root switches to them,
    /// anyone else connects as themselves and the bus decides). A failure when the address cannot be used; neither
    /// when it is the bus of a user notified already.
    /// </summary>
    private (Desktop? Desktop, NotificationResult? Failure) EnvironmentDesktop(string text, List<Desktop> users)
    {
        var target = $"{Notifications.SessionBusAddress.Variable}={text}";
        if (Notifications.SessionBusAddress.Parse(text, out var why) is not { } address)
        {
            return (null, new NotificationResult(target, false, "cannot be used: " + why));
        }
        if (LibC.Stat(address.SocketPath, out var errno) is not { } socket)
        {
            return (null, new NotificationResult(target, false, $"no session bus at {address.SocketPath} ({Marshal.GetPInvokeErrorMessage(errno)})"));
        }
        if (users.FirstOrDefault(u => LibC.Stat(u.Bus, out _) is { } bus && bus.Device == socket.Device && bus.Inode == socket.Inode) is { } same)
        {
            logger.LogDebug("{Variable} names {User}'s session bus, notified already", Notifications.SessionBusAddress.Variable, same.Owner.Name);
            return (null, null);
        }
        if (UserAccount.Find(socket.Uid) is not { } owner)
        {
            return (null, new NotificationResult(target, false, $"{address.SocketPath} belongs to uid {socket.Uid.ToString(CultureInfo.InvariantCulture)}, which has no account"));
        }
        var euid = LibC.GetEUid();
        var runtime = RuntimeDirectory(owner.Uid);
        return (new Desktop(
            $"{owner.Name} ({target})",
            address.SocketPath,
            address.ChildAddress,
            owner,
            Directory.Exists(runtime) ? runtime : null,
            SwitchUser: euid == 0 && owner.Uid != euid), null);
    }

    private string RuntimeDirectory(uint uid) => string.Format(CultureInfo.InvariantCulture, RuntimeDirectoryFormat, uid);

    private async Task<NotificationResult> SendToAsync(Desktop desktop, Notification notification, CancellationToken cancellationToken)
    {
        var command = CommandFor(desktop);
        try
        {
            var result = await runner.RunAsync(command, ChildTimeout, cancellationToken, standardInput: NotifyChild.Serialize(notification));
            return result.ExitCode == 0
                ? new NotificationResult(desktop.Target, true)
                : new NotificationResult(desktop.Target, false, LastLine(result.StandardErrorTail) ?? $"exit code {result.ExitCode}");
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            return new NotificationResult(desktop.Target, false, e.Message);
        }
    }

    private ExternalCommand CommandFor(Desktop desktop)
    {
        var environment = new Dictionary<string, string>(ChildCommand.Environment)
        {
            ["DBUS_SESSION_BUS_ADDRESS"] = desktop.Address,
        };
        var user = desktop.Owner;
        if (desktop.SwitchUser || LibC.GetEUid() == user.Uid)
        {
            environment["HOME"] = user.Home;
            environment["USER"] = user.Name;
            environment["LOGNAME"] = user.Name;
            if (desktop.RuntimeDirectory is { } runtime)
            {
                environment["XDG_RUNTIME_DIR"] = runtime;
            }
        }
        if (!desktop.SwitchUser)
        {
            return ChildCommand with { Environment = environment };
        }
        return new ExternalCommand(SetPriv.Path, [.. SetPriv.AsUser(user.Uid, user.Gid, ChildCommand.FileName), .. ChildCommand.Arguments])
        {
            Environment = environment,
        };
    }

    private static string? LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
}
