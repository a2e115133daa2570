using System.Runtime.InteropServices;

namespace SnapshotBackup.Daemon.Systemd;

/// <summary>Reads CLOCK_MONOTONIC, the clock systemd expects in <c>MONOTONIC_USEC=</c>.</summary>
internal static partial class MonotonicClock
{
    private const int ClockMonotonic = 1;

    /// <summary>Microseconds of CLOCK_MONOTONIC (the same clock systemd uses).</summary>
    public static long NowMicroseconds()
    {
        if (clock_gettime(ClockMonotonic, out var ts) != 0)
        {
            throw new InvalidOperationException($"clock_gettime(CLOCK_MONOTONIC) failed: errno {Marshal.GetLastPInvokeError()}");
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
