using SnapshotBackup.Core.Internal;

namespace SnapshotBackup.Daemon.Systemd;

/// <summary>Reads CLOCK_MONOTONIC, the clock systemd expects in <c>MONOTONIC_USEC=</c>, and CLOCK_BOOTTIME.</summary>
internal static class MonotonicClock
{
    /// <summary>Microseconds of CLOCK_MONOTONIC (the same clock systemd uses).</summary>
    public static long NowMicroseconds() => LibC.ClockMicroseconds(LibC.CLOCK_MONOTONIC);

    /// <summary>Microseconds of CLOCK_BOOTTIME, which unlike CLOCK_MONOTONIC also counts time spent suspended.</summary>
    public static long BootTimeMicroseconds() => LibC.ClockMicroseconds(LibC.CLOCK_BOOTTIME);
}
