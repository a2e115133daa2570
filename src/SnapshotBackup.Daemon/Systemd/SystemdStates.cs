using System.Globalization;
using Microsoft.Extensions.Hosting.Systemd;

namespace SnapshotBackup.Daemon.Systemd;

/// <summary>
/// The sd_notify(3) states the daemon sends besides the library's <see cref="ServiceState.Ready"/> and
/// <see cref="ServiceState.Stopping"/> (which <see cref="SystemdLifetime"/> sends, see Program).
/// </summary>
internal static class SystemdStates
{
    /// <summary><c>WATCHDOG=1</c>: keep-alive ping.</summary>
    public static ServiceState Watchdog { get; } = new("WATCHDOG=1");

    /// <summary><c>RELOADING=1</c> with the CLOCK_MONOTONIC timestamp systemd ≥ 253 requires for Type=notify-reload.</summary>
    public static ServiceState Reloading() =>
        new(string.Create(CultureInfo.InvariantCulture, $"RELOADING=1\nMONOTONIC_USEC={MonotonicClock.NowMicroseconds()}"));

    /// <summary><c>STATUS=</c>: free-form text shown by <c>systemctl status</c> (line breaks become spaces).</summary>
    public static ServiceState Status(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new("STATUS=" + text.ReplaceLineEndings(" "));
    }
}
