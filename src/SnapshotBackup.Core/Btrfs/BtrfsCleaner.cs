using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Internal;
using SnapshotBackup.Core.Processes;

namespace SnapshotBackup.Core.Btrfs;

/// <summary>
/// BTRFS_IOC_SYNC (<see cref="BtrfsManager.SyncAndWakeCleaner"/>: starts the cleaner now rather than at the next
/// periodic commit), <c>btrfs subvolume sync PATH</c> (waits until every deleted subvolume is cleaned), then syncfs
/// (commits the freed extents), all within <see cref="Timeout"/>. Where that command fails (btrfs-progs missing; a normal user on a kernel
/// whose wait needs root), the free space is read every <see cref="PollInterval"/> after a syncfs until it stops
/// changing for three readings in a row.
/// </summary>
public sealed class BtrfsCleaner(ProcessRunner runner, ILogger logger) : IBtrfsCleaner
{
    /// <summary>For the cleaner to drop one snapshot: seconds for a small one, minutes for millions of files.</summary>
    public static TimeSpan Timeout { get; } = TimeSpan.FromMinutes(30);

    public static TimeSpan PollInterval { get; } = TimeSpan.FromMilliseconds(500);

    public string BtrfsPath { get; init; } = ProgramLocator.Find("btrfs", Environment.GetEnvironmentVariable("PATH")) ?? "btrfs";

    public async Task WaitAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        var started = Environment.TickCount64;
        BtrfsManager.SyncAndWakeCleaner(path);
        try
        {
            ProcessResult? result = null;
            try
            {
                result = await runner.RunAsync(new ExternalCommand(BtrfsPath, ["subvolume", "sync", path]), Timeout, cancellationToken).ConfigureAwait(false);
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                logger.LogDebug("btrfs subvolume sync could not start ({Reason}); watching the free space instead", e.Message);
            }
            if (result is { ExitCode: 0 })
            {
                BtrfsManager.Instance.SyncFileSystem(path);
                return;
            }
            if (result is not null)
            {
                logger.LogDebug("btrfs subvolume sync {Path} exited with {ExitCode} ({Error}); watching the free space instead",
                    path, result.ExitCode, result.StandardErrorTail.Trim());
            }
            await PollUntilSteadyAsync(path, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"btrfs did not finish freeing the deleted snapshots' space on {path} within {Timeout.TotalMinutes:0} minutes " +
                                       $"(waited {(Environment.TickCount64 - started) / 1000} s)");
        }
    }

    private static async Task PollUntilSteadyAsync(string path, CancellationToken cancellationToken)
    {
        long? last = null;
        var steady = 0;
        while (steady < 3)
        {
            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
            BtrfsManager.SyncAndWakeCleaner(path);
            var now = LibC.FileSystemSpace(path)?.Available;
            steady = now is not null && now == last ? steady + 1 : 0;
            last = now;
        }
    }
}
