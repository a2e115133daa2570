using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Core.Engine;

/// <summary>
/// Names a new snapshot by the finish time, to the second. A name already taken (two backups within one second) waits
/// for the next second rather than collide; after <see cref="MaxWaits"/> waits it gives up.
/// </summary>
public static class SnapshotNamer
{
    public const int MaxWaits = 3;

    /// <param name="time">The clock; the waits go through it too.</param>
    /// <param name="taken">Whether a name already exists in the volume.</param>
    /// <param name="directory">The volume, for the message when every name was taken.</param>
    public static async Task<string> FreeNameAsync(TimeProvider time, Func<string, bool> taken, string directory)
    {
        for (var waits = 0; ; waits++)
        {
            var name = SnapshotName.Format(TruncateToSeconds(time.GetLocalNow()));
            if (!taken(name))
            {
                return name;
            }
            if (waits >= MaxWaits)
            {
                throw new OperationFailedException($"cannot name the new snapshot: {name} already exists in {directory}");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(1000 - time.GetUtcNow().Millisecond + 5), time, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static DateTimeOffset TruncateToSeconds(DateTimeOffset t) => t.AddTicks(-(t.Ticks % TimeSpan.TicksPerSecond));
}
