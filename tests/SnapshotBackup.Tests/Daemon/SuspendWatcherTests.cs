using Microsoft.Extensions.Logging.Abstractions;
using SnapshotBackup.Daemon.Hosting;

namespace SnapshotBackup.Tests.Daemon;

public class SuspendWatcherTests
{
    [Test]
    public async Task A_jump_of_the_suspended_time_runs_the_catch_up_once_and_steady_clocks_never_do()
    {
        long suspended = 5_000_000;
        var resumes = 0;
        using var watcher = new SuspendWatcher(() => Interlocked.Read(ref suspended), _ =>
        {
            Interlocked.Increment(ref resumes);
            return Task.CompletedTask;
        }, TimeSpan.FromMilliseconds(20), NullLogger.Instance);
        await watcher.StartAsync(CancellationToken.None);

        await Task.Delay(200);
        Assert.That(resumes, Is.Zero, "no suspend, no catch-up");

        Interlocked.Add(ref suspended, (long)TimeSpan.FromMinutes(45).TotalMicroseconds); // the laptop slept 45 minutes
        for (var waited = 0; Volatile.Read(ref resumes) == 0 && waited < 5000; waited += 20)
        {
            await Task.Delay(20);
        }
        Assert.That(resumes, Is.EqualTo(1));

        Interlocked.Add(ref suspended, (long)TimeSpan.FromSeconds(2).TotalMicroseconds); // a short hiccup is no wake-up
        await Task.Delay(200);
        Assert.That(resumes, Is.EqualTo(1));
        await watcher.StopAsync(CancellationToken.None);
    }
}
