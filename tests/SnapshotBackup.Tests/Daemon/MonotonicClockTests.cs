using SnapshotBackup.Daemon.Systemd;

namespace SnapshotBackup.Tests.Daemon;

public class MonotonicClockTests
{
    [Test]
    public void Monotonic_time_agrees_with_the_runtimes_tick_count_and_boot_time_is_never_behind_it()
    {
        var ticks = Environment.TickCount64 * 1000L;
        var monotonic = MonotonicClock.NowMicroseconds();
        var boot = MonotonicClock.BootTimeMicroseconds();

        // TickCount64 reads CLOCK_MONOTONIC_COARSE on Linux: the same clock, a few milliseconds coarser.
        Assert.That(Math.Abs(monotonic - ticks), Is.LessThan(100_000), $"monotonic {monotonic} µs, tick count {ticks} µs");
        Assert.That(boot, Is.GreaterThanOrEqualTo(monotonic));
    }
}
