using System.Globalization;

namespace SnapshotBackup.Core.Processes;

/// <summary>
/// The ssh client as every part of snapshotbackup runs it: non-interactive (<c>BatchMode=yes</c>: a daemon has nobody
/// to type a password or accept a host key) and with a connect timeout chosen by what waits for it.
/// </summary>
public static class Ssh
{
    public const string Program = "ssh";

    /// <summary>rsync's transport for the backup itself: a slow or just-woken host gets the longest wait.</summary>
    public static readonly TimeSpan TransferConnectTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The source check before a backup: shorter than the check's own 30 s process timeout
    /// (<c>SourceProbe.SshTimeout</c>), so that ssh gives up first and its reason ends up in the error.
    /// </summary>
    public static readonly TimeSpan ProbeConnectTimeout = TimeSpan.FromSeconds(20);

    /// <summary>
    /// A remote desktop notification: within each step's 6 s bound and the 12 s for all targets, so that an
    /// unreachable desktop delays the end of a run by seconds only.
    /// </summary>
    public static readonly TimeSpan NotificationConnectTimeout = TimeSpan.FromSeconds(4);

    /// <summary><c>-o BatchMode=yes -o ConnectTimeout=N</c> (whole seconds).</summary>
    public static IReadOnlyList<string> NonInteractiveOptions(TimeSpan connectTimeout) =>
    [
        "-o", "BatchMode=yes",
        "-o", "ConnectTimeout=" + ((int)Math.Ceiling(connectTimeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture),
    ];

    /// <summary>rsync's <c>--rsh</c> value: <c>ssh -o BatchMode=yes -o ConnectTimeout=30</c>.</summary>
    public static string RsyncShell() => Program + " " + string.Join(' ', NonInteractiveOptions(TransferConnectTimeout));
}
