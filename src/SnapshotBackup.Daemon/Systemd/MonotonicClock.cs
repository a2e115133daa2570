using System.Runtime.InteropServices;

namespace SnapshotBackup.Daemon.Systemd;

/// <summary>Reads CLOCK_MONOTONIC, the clock systemd expects in <c>MONOTONIC_USEC=</c>.</summary>
internal static partial class MonotonicClock
{
    private const int ClockMonotonic = 1;
    private const int ClockBootTime = 7;

    /// <summary>Microseconds of CLOCK_MONOTONIC (the same clock systemd uses).</summary>
    public static long NowMicroseconds() => Read(ClockMonotonic);

    /// <summary>Microseconds of CLOCK_BOOTTIME, which unlike CLOCK_MONOTONIC also counts time spent suspended.</summary>
    public static long BootTimeMicroseconds() => Read(ClockBootTime);

    private static long Read(int clock)
    {
        if (clock_gettime(clock, out var ts) != 0)
        {
            throw new InvalidOperationException($"clock_gettime({clock}) failed: errno {Marshal.GetLastPInvokeError()}");
        }

        return (ts.Seconds * 1_000_000L) + (ts.Nanoseconds / 1_000L);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public nint Seconds;
        public nint Nanoseconds;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int clock_gettime(int clockId, out Timespec ts);
}
