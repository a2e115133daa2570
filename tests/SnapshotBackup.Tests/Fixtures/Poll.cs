using System.Diagnostics;

namespace SnapshotBackup.Tests.Fixtures;

/// <summary>
/// The one way a test waits for something another process does: ask again every <see cref="Interval"/> until the
/// answer is yes or the time is up. Every wait in the tests (a log line, a state, an rsync child) goes through here.
/// </summary>
public static class Poll
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    /// <summary>True as soon as <paramref name="condition"/> holds; false when <paramref name="timeout"/> passes first.</summary>
    /// <param name="interval">How long to sleep between checks; <see cref="Interval"/> when null.</param>
    public static bool Until(Func<bool> condition, TimeSpan timeout, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                return false;
            }
            Thread.Sleep(interval ?? Interval);
        }
        return true;
    }
}
