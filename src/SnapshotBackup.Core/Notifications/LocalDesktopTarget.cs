using System.Globalization;
using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.DBus;
using SnapshotBackup.Core.Processes;

namespace SnapshotBackup.Core.Notifications;

/// <summary>
/// Notifications on this machine's desktops: <c>notify_user</c>'s, or else every user with an active graphical session
/// according to logind. For each user a short-lived <c>snapshotbackup __notify</c> runs with that user's uid, gid and
/// groups (setpriv) and <c>DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/UID/bus</c>: the session bus accepts only its
/// owner, so root cannot deliver by itself.
/// </summary>
public sealed class LocalDesktopTarget(ILogger logger, ProcessRunner runner, string? notifyUser) : INotificationTarget
{
    /// <summary>For the child: start, connect to the bus, call Notify, exit.</summary>
    public TimeSpan ChildTimeout { get; init; } = TimeSpan.FromSeconds(8);

    public TimeSpan LogindTimeout { get; init; } = TimeSpan.FromSeconds(3);

    public string SystemBusAddress { get; init; } = Logind.SystemBusAddress();

    /// <summary>Where the users' runtime directories are; <c>{0}</c> is the uid.</summary>
    public string RuntimeDirectoryFormat { get; init; } = "/run/user/{0}";

    public ExternalCommand ChildCommand { get; init; } = NotifyChild.Locate();

    public async Task<IReadOnlyList<NotificationResult>> SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        List<(string Target, UserAccount? Account)> users;
        if (notifyUser is { Length: > 0 } name)
        {
            users = [(name, UserAccount.Find(name))];
        }
        else
        {
            IReadOnlyList<GraphicalSession> sessions;
            try
            {
                sessions = await Logind.ListActiveGraphicalSessionsAsync(SystemBusAddress, LogindTimeout, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                logger.LogDebug("no local desktop notification: cannot ask logind for graphical sessions: {Reason}", e.Message);
                return [];
            }
            // A normal user can reach no session bus but their own (see SendToAsync).
            var euid = Internal.LibC.GetEUid();
            users = sessions.Where(s => euid == 0 || s.Uid == euid)
                .GroupBy(s => s.Uid).Select(g => (g.First().UserName, UserAccount.Find(g.Key))).ToList();
            if (users.Count == 0)
            {
                logger.LogDebug("no local desktop notification: notify_user is not set and nobody has an active graphical session");
                return [];
            }
        }
        var sends = users.Select(u => u.Account is null
            ? Task.FromResult(new NotificationResult(u.Target, false, "no such user"))
            : SendToAsync(u.Account, notification, cancellationToken));
        return await Task.WhenAll(sends);
    }

    private async Task<NotificationResult> SendToAsync(UserAccount user, Notification notification, CancellationToken cancellationToken)
    {
        var euid = Internal.LibC.GetEUid();
        if (euid != 0 && euid != user.Uid)
        {
            return new NotificationResult(user.Name, false, "only root can notify another user's desktop (this runs as a normal user)");
        }
        var runtime = string.Format(CultureInfo.InvariantCulture, RuntimeDirectoryFormat, user.Uid);
        var bus = Path.Combine(runtime, "bus");
        if (!File.Exists(bus))
        {
            return new NotificationResult(user.Name, false, $"no session bus at {bus} (not logged in?)");
        }
        var command = CommandFor(user, runtime, bus);
        try
        {
            var result = await runner.RunAsync(command, ChildTimeout, cancellationToken, standardInput: NotifyChild.Serialize(notification));
            return result.ExitCode == 0
                ? new NotificationResult(user.Name, true)
                : new NotificationResult(user.Name, false, LastLine(result.StandardErrorTail) ?? $"exit code {result.ExitCode}");
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            return new NotificationResult(user.Name, false, e.Message);
        }
    }

    private ExternalCommand CommandFor(UserAccount user, string runtime, string bus)
    {
        var environment = new Dictionary<string, string>(ChildCommand.Environment)
        {
            ["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=" + bus,
            ["XDG_RUNTIME_DIR"] = runtime,
            ["HOME"] = user.Home,
            ["USER"] = user.Name,
            ["LOGNAME"] = user.Name,
        };
        if (Internal.LibC.GetEUid() == user.Uid)
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
