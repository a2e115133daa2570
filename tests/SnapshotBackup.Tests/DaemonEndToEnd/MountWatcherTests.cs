using System.Globalization;
using SnapshotBackup.Tests.Fixtures;

namespace SnapshotBackup.Tests.DaemonEndToEnd;

/// <summary>
/// The mount watcher with the real daemon: a section's backups live on a second loopback btrfs (<see cref="Disk"/>)
/// that is mounted and unmounted while the daemon runs. Each appearance's latency (the mount command's return to the
/// job's start line) is printed; the daemon is stopped before the disk is unmounted for good.
/// </summary>
public class MountWatcherTests : DaemonTest
{
    /// <summary>How long a start may take after a mount: generous for a loaded machine; the goal (the figure printed) is under 2 s.</summary>
    private static readonly TimeSpan StartWait = TimeSpan.FromSeconds(10);

    private LoopBtrfs? _disk;

    private LoopBtrfs Disk => _disk!;

    private string DiskBackups => Path.Combine(Disk.Mount, "backups", "usb");

    /// <summary>A second btrfs with an empty backups directory, unmounted (the disk is unplugged).</summary>
    [SetUp]
    public void CreateDisk()
    {
        _disk = LoopBtrfs.Create();
        Directory.CreateDirectory(DiskBackups);
        Unmount();
    }

    [TearDown]
    public void RemoveDisk() => _disk?.Dispose();

    [Test]
    public void An_hourly_section_backs_up_as_soon_as_its_disk_is_mounted()
    {
        WriteConfig(Section("usb", Source, DiskBackups, "hourly"));
        using var daemon = StartDaemon();
        daemon.WaitForNotify(n => n == "READY=1", ReadyWait);
        // No backup yet: the catch-up at start runs, and is skipped for the missing disk.
        daemon.WaitForLog(l => l.Contains("backup usb skipped", StringComparison.Ordinal), LongWait);

        var latency = MountAndWaitForStart(daemon, out var started);

        Assert.That(daemon.Lines, Has.Some.Contains($"backup usb: volume appeared at {Disk.Mount}, starting the due backup"), daemon.Describe());
        daemon.WaitForLog(l => l.Contains("backup usb succeeded", StringComparison.Ordinal), LongWait, started);
        Assert.That(Snapshots(DiskBackups), Has.Count.EqualTo(1), daemon.Describe());
        Report("hourly, first mount", [latency]);
    }

    [Test]
    public void On_mount_backs_up_once_per_min_interval_however_often_the_disk_comes_back()
    {
        WriteConfig(Section("usb", Source, DiskBackups, "on-mount"));
        using var daemon = StartDaemon();
        daemon.WaitForNotify(n => n == "READY=1", ReadyWait);
        daemon.WaitForLog(l => l.Contains("backup usb: waiting for its volume to appear", StringComparison.Ordinal), ReadyWait);
        Thread.Sleep(TimeSpan.FromSeconds(2));
        Assert.That(daemon.Lines, Has.None.Contains("backup usb started"), daemon.Describe());

        var latency = MountAndWaitForStart(daemon, out var started);
        daemon.WaitForLog(l => l.Contains("backup usb succeeded", StringComparison.Ordinal), LongWait, started);

        // Again within min_interval (1 hour by default): noticed, not due.
        Unmount();
        Thread.Sleep(TimeSpan.FromSeconds(0.5)); // unplugged for a moment
        var before = daemon.Lines.Count;
        Mount();
        daemon.WaitForLog(l => l.Contains($"backup usb: volume appeared at {Disk.Mount}, not due until", StringComparison.Ordinal), StartWait, before);
        Thread.Sleep(TimeSpan.FromSeconds(3));

        Assert.That(Snapshots(DiskBackups), Has.Count.EqualTo(1), daemon.Describe());
        Assert.That(daemon.Lines.Count(l => l.Contains("backup usb started", StringComparison.Ordinal)), Is.EqualTo(1), daemon.Describe());
        Report("on-mount, first mount", [latency]);
    }

    [Test]
    public void On_mount_with_a_short_min_interval_backs_up_at_every_mount()
    {
        const int Mounts = 5;
        WriteConfig(Section("usb", Source, DiskBackups, "on-mount", "min_interval = 2 seconds"));
        using var daemon = StartDaemon();
        daemon.WaitForNotify(n => n == "READY=1", ReadyWait);
        daemon.WaitForLog(l => l.Contains("backup usb: waiting for its volume to appear", StringComparison.Ordinal), ReadyWait);

        var latencies = new List<Latency>();
        for (var i = 1; i <= Mounts; i++)
        {
            latencies.Add(MountAndWaitForStart(daemon, out var started));
            daemon.WaitForLog(l => l.Contains("backup usb succeeded", StringComparison.Ordinal), LongWait, started);
            Assert.That(Snapshots(DiskBackups), Has.Count.EqualTo(i), daemon.Describe());
            Unmount();
            // Snapshot names have whole seconds, and min_interval is 2 s.
            Thread.Sleep(TimeSpan.FromSeconds(2.5));
        }

        Report($"on-mount, min_interval 2 s, {Mounts} mounts", latencies);
    }

    [Test]
    public void A_disk_mounted_right_after_the_start_up_check_is_backed_up()
    {
        // The start-up check finds no disk; the mount comes at once, before (or while) the watcher takes its first look.
        WriteConfig(Section("usb", Source, DiskBackups, "on-mount"));
        using var daemon = StartDaemon();
        daemon.WaitForLog(l => l.Contains("backup usb: waiting for its volume to appear", StringComparison.Ordinal), ReadyWait);
        Mount();

        var started = daemon.WaitForLog(l => l.Contains("backup usb started", StringComparison.Ordinal), StartWait);
        daemon.WaitForLog(l => l.Contains("backup usb succeeded", StringComparison.Ordinal), LongWait, started);
        Thread.Sleep(TimeSpan.FromSeconds(2));

        Assert.That(Snapshots(DiskBackups), Has.Count.EqualTo(1), daemon.Describe());
        Assert.That(daemon.Lines.Count(l => l.Contains("backup usb started", StringComparison.Ordinal)), Is.EqualTo(1), daemon.Describe());
    }

    [Test]
    public void A_section_that_is_there_at_start_is_caught_up_once_and_the_start_logs_no_appearance()
    {
        // Failing (its source is missing), so no success stops a second run: only the watcher's skip does.
        var missing = Path.Combine(Loop.Mount, "no-such-source");
        WriteConfig(Section("data1", missing, Backups, "on-mount"), Section("data2", Source, DiskBackups + "-absent", "hourly"));
        using var daemon = StartDaemon();
        daemon.WaitForNotify(n => n == "READY=1", ReadyWait);
        var ended = daemon.WaitForLog(l => l.Contains("backup data1 skipped", StringComparison.Ordinal) || l.Contains("backup data1 failed", StringComparison.Ordinal), LongWait);
        Thread.Sleep(TimeSpan.FromSeconds(3));

        Assert.That(daemon.Lines.Count(l => l.Contains("backup data1 started", StringComparison.Ordinal)), Is.EqualTo(1), daemon.Describe());
        Assert.That(daemon.Lines, Has.None.Contains("volume appeared"), daemon.Describe());
        Assert.That(daemon.Lines, Has.None.Contains("catch-up run is pending"), daemon.Describe());
        Assert.That(ended, Is.GreaterThan(0));
    }

    [Test]
    public void A_mount_made_by_the_sections_own_hook_does_not_start_it_again()
    {
        // before_backup mounts the disk over the section's source and fails; on_failure unmounts it. The mount is the
        // run's own: not an appearance, so one failed run, not a loop of them.
        var hookMount = Source;
        WriteConfig(Section("data1", Source, Backups, "on-mount",
            $"before_backup = mount -o loop {Disk.Image} {hookMount} && sleep 1 && exit 1\non_failure = cd / && umount {hookMount}"));
        using var daemon = StartDaemon();
        try
        {
            daemon.WaitForNotify(n => n == "READY=1", ReadyWait);
            daemon.WaitForLog(l => l.Contains("backup data1 failed", StringComparison.Ordinal), LongWait);
            Thread.Sleep(TimeSpan.FromSeconds(5));

            Assert.That(daemon.Lines.Count(l => l.Contains("backup data1 started", StringComparison.Ordinal)), Is.EqualTo(1), daemon.Describe());
            Assert.That(daemon.Lines, Has.None.Contains("volume appeared"), daemon.Describe());
        }
        finally
        {
            daemon.Dispose();
            for (var attempt = 0; attempt < 20 && Shell.Run("mountpoint", "-q", hookMount).ExitCode == 0; attempt++)
            {
                _ = Shell.Run("umount", hookMount);
                Thread.Sleep(250);
            }
        }
    }

    [Test]
    public void An_unrelated_mount_starts_nothing()
    {
        // data1's volume is there from the start: one backup at start, then due again after 2 s, but it never appears.
        WriteConfig(Section("data1", Source, Backups, "on-mount", "min_interval = 2 seconds"));
        using var daemon = StartDaemon();
        daemon.WaitForNotify(n => n == "READY=1", ReadyWait);
        daemon.WaitForLog(l => l.Contains("backup data1 succeeded", StringComparison.Ordinal), LongWait);
        Thread.Sleep(TimeSpan.FromSeconds(3));

        Mount();
        Thread.Sleep(TimeSpan.FromSeconds(2));
        Unmount();
        Thread.Sleep(TimeSpan.FromSeconds(2));

        Assert.That(Snapshots(Backups), Has.Count.EqualTo(1), daemon.Describe());
        Assert.That(daemon.Lines, Has.None.Contains("volume appeared"), daemon.Describe());
        Assert.That(daemon.Lines.Count(l => l.Contains("backup data1 started", StringComparison.Ordinal)), Is.EqualTo(1), daemon.Describe());
    }

    [Test]
    public void A_section_added_by_a_reload_is_backed_up_when_its_disk_appears()
    {
        WriteConfig(Section("data1", Source, Backups, "hourly"));
        using var daemon = StartDaemon();
        daemon.WaitForNotify(n => n == "READY=1", ReadyWait);
        daemon.WaitForLog(l => l.Contains("backup data1 succeeded", StringComparison.Ordinal), LongWait);

        WriteConfig(Section("data1", Source, Backups, "hourly"), Section("usb", Source, DiskBackups, "on-mount"));
        daemon.Signal(DaemonProcess.SigHup);
        daemon.WaitForLog(l => l.Contains("backup usb: waiting for its volume to appear", StringComparison.Ordinal), ReadyWait);
        daemon.WaitForLog(l => l.Contains("configuration reloaded", StringComparison.Ordinal), ReadyWait);

        var latency = MountAndWaitForStart(daemon, out var started);
        daemon.WaitForLog(l => l.Contains("backup usb succeeded", StringComparison.Ordinal), LongWait, started);

        Assert.That(Snapshots(DiskBackups), Has.Count.EqualTo(1), daemon.Describe());
        Assert.That(Snapshots(Backups), Has.Count.EqualTo(1), daemon.Describe());
        Report("on-mount, section added by a reload", [latency]);
    }

    /// <summary>
    /// Mounts the disk and waits for usb's start line. The latency is bracketed: from mount(8)'s start (an upper bound:
    /// it includes setting up the loop device) and from its exit (a lower bound: the mount call returned before, and the
    /// line may even come first).
    /// </summary>
    private Latency MountAndWaitForStart(DaemonProcess daemon, out int startedLine)
    {
        var from = daemon.Lines.Count;
        var mounting = daemon.Elapsed;
        Mount();
        var mounted = daemon.Elapsed;
        startedLine = daemon.WaitForLog(l => l.Contains("backup usb started (volume appeared)", StringComparison.Ordinal), StartWait, from);
        var started = daemon.LineTime(startedLine);
        return new Latency(started - mounted, started - mounting);
    }

    private sealed record Latency(TimeSpan FromExit, TimeSpan FromStart);

    private void Mount() => Shell.Check("mount", "-o", "loop", Disk.Image, Disk.Mount);

    private void Unmount()
    {
        for (var attempt = 0; ; attempt++)
        {
            var result = Shell.Run("umount", Disk.Mount);
            if (result.ExitCode == 0)
            {
                return;
            }
            if (attempt == 20)
            {
                Assert.Fail($"umount {Disk.Mount}: {result}");
            }
            Thread.Sleep(250);
        }
    }

    private static void Report(string what, IReadOnlyList<Latency> latencies)
    {
        foreach (var (bound, pick) in new (string, Func<Latency, TimeSpan>)[] { ("from mount(8)'s exit", l => l.FromExit), ("from mount(8)'s start", l => l.FromStart) })
        {
            var ms = latencies.Select(l => pick(l).TotalMilliseconds).ToList();
            var sorted = ms.Order().ToList();
            TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"mount -> backup start latency ({what}), {bound}: {string.Join(", ", ms.Select(m => $"{m:0} ms"))}; " +
                $"min {sorted[0]:0} ms, median {sorted[sorted.Count / 2]:0} ms, max {sorted[^1]:0} ms"));
        }
    }
}
