using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Processes;

namespace SnapshotBackup.Core.Notifications;

/// <summary>
/// Notifications on a remote desktop (<c>notify_remote = user@host</c>) over ssh, non-interactive, with the ssh
/// configuration of the user running this (port, identity, known hosts):
/// <list type="number">
/// <item><c>ssh user@host id -u</c> (a fixed command) gives the remote uid;</item>
/// <item><c>ssh -N -L LOCAL.sock:/run/user/UID/bus user@host</c> forwards the remote session bus to a socket in a
/// private temp directory;</item>
/// <item>Notify is called over that socket with Tmds.DBus; the EXTERNAL authentication claims the remote uid, which is
/// what the remote bus sees (sshd connects to it as the remote user).</item>
/// </list>
/// No notification text is part of any command line, local or remote, so nothing in it is ever interpreted by a shell.
/// When the delivery fails, <c>ssh user@host test -S /run/user/UID/bus</c> tells whether the user has a session bus
/// at all, so that the reason is "no desktop session bus for uid UID on host" rather than the forward's "Connection
/// reset by peer" (sshd reports the missing socket only in its own log).
/// </summary>
public sealed class RemoteDesktopTarget(ILogger logger, ProcessRunner runner, string destination) : INotificationTarget
{
    /// <summary>Extra ssh options placed before the destination (tests: <c>-F config</c>).</summary>
    public IReadOnlyList<string> SshOptions { get; init; } = [];

    /// <summary>Bounds every step: asking the uid, setting up the forward, the D-Bus call.</summary>
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromSeconds(6);

    public async Task<IReadOnlyList<NotificationResult>> SendAsync(Notification notification, CancellationToken cancellationToken)
    {
        uint? uid = null;
        try
        {
            uid = await RemoteUidAsync(cancellationToken);
            await SendOverForwardAsync(uid.Value, notification, cancellationToken);
            return [new NotificationResult(destination, true)];
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogDebug("notification to {Destination} failed: {Exception}", destination, e.ToString());
            var reason = e is Tmds.DBus.Protocol.DBusErrorReplyException d ? $"{d.ErrorName}: {d.ErrorMessage}" : e.Message;
            if (uid is { } known && await HasNoSessionBusAsync(known, cancellationToken))
            {
                // sshd could not connect to the bus, so the forward just closed ("Connection reset by peer"): say why.
                reason = $"no desktop session bus for uid {known.ToString(CultureInfo.InvariantCulture)} on {Host} " +
                    $"({RemoteBus(known)} does not exist: nobody logged in to a desktop there?)";
            }
            return [new NotificationResult(destination, false, reason)];
        }
    }

    /// <summary>The host part of <c>user@host</c>.</summary>
    private string Host => destination[(destination.LastIndexOf('@') + 1)..];

    private static string RemoteBus(uint uid) => $"/run/user/{uid.ToString(CultureInfo.InvariantCulture)}/bus";

    /// <summary>
    /// After a failed delivery: asks the remote <c>test -S /run/user/UID/bus</c> (fixed words and digits only, so the
    /// remote shell has nothing to interpret). True only for test's "no" (exit 1); any other answer, an ssh error or a
    /// timeout leaves the original reason standing.
    /// </summary>
    private async Task<bool> HasNoSessionBusAsync(uint uid, CancellationToken cancellationToken)
    {
        try
        {
            var command = new ExternalCommand(Ssh.Program, [.. CommonOptions(), "-T", "--", destination, "test", "-S", RemoteBus(uid)]);
            var result = await runner.RunAsync(command, StepTimeout, cancellationToken);
            return result.ExitCode == 1;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogDebug("could not check for {Bus} on {Destination}: {Reason}", RemoteBus(uid), destination, e.Message);
            return false;
        }
    }

    private IEnumerable<string> CommonOptions() =>
    [
        .. Ssh.NonInteractiveOptions(Ssh.NotificationConnectTimeout),
        // Our own connection, so that stopping ssh ends the forward (not a shared ControlMaster's).
        "-o", "ControlPath=none",
        .. SshOptions,
    ];

    private async Task<uint> RemoteUidAsync(CancellationToken cancellationToken)
    {
        var output = new List<string>();
        var command = new ExternalCommand(Ssh.Program, [.. CommonOptions(), "-T", "--", destination, "id -u"]);
        var result = await runner.RunAsync(command, StepTimeout, cancellationToken, line => output.Add(line));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"ssh {destination} failed (exit code {result.ExitCode}): {LastLine(result.StandardErrorTail)}");
        }
        var text = output.LastOrDefault()?.Trim();
        return uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var uid)
            ? uid
            : throw new InvalidOperationException($"ssh {destination} id -u answered '{text}', not a uid");
    }

    private async Task SendOverForwardAsync(uint uid, Notification notification, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("sb-notify-");
        var socket = Path.Combine(directory.FullName, "bus");
        var remoteBus = RemoteBus(uid);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var command = new ExternalCommand(Ssh.Program,
        [
            .. CommonOptions(),
            "-N",
            "-o", "ExitOnForwardFailure=yes",
            "-o", "StreamLocalBindUnlink=yes",
            "-L", socket + ":" + remoteBus,
            "--", destination,
        ]);
        var forward = runner.RunAsync(command, Timeout.InfiniteTimeSpan, stop.Token);
        try
        {
            var watch = Stopwatch.StartNew();
            while (!File.Exists(socket))
            {
                if (forward.IsCompleted)
                {
                    var ended = await forward;
                    throw new InvalidOperationException($"ssh could not forward {remoteBus} from {destination} (exit code {ended.ExitCode}): {LastLine(ended.StandardErrorTail)}");
                }
                if (watch.Elapsed > StepTimeout)
                {
                    throw new TimeoutException($"ssh did not forward {remoteBus} from {destination} within {StepTimeout.TotalSeconds:0} s");
                }
                await Task.Delay(50, cancellationToken);
            }
            await DBusNotificationClient.SendAsync(
                new ForwardedBusOptions(socket, uid.ToString(CultureInfo.InvariantCulture)), notification, StepTimeout, cancellationToken);
        }
        finally
        {
            await stop.CancelAsync();
            try
            {
                await forward.WaitAsync(TimeSpan.FromSeconds(15), CancellationToken.None);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                logger.LogDebug("stopping the ssh forward to {Destination}: {Reason}", destination, e.Message);
            }
            try
            {
                directory.Delete(recursive: true);
            }
            catch (IOException)
            {
                // best effort
            }
        }
    }

    private static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "no error output";
}
