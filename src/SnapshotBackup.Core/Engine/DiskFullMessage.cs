using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.FileSystem;
using SnapshotBackup.Core.Rsync;

namespace SnapshotBackup.Core.Engine;

/// <summary>The message of a backup that filled its volume (read only on that error path).</summary>
internal static class DiskFullMessage
{
    /// <summary>Says the volume is full, how much space it has and roughly how much the source needs, and what to do.</summary>
    public static string For(IFileSystem fileSystem, string volumePath, string source, RsyncException e)
    {
        var space = fileSystem.Space(volumePath) is { } s ? $" has {Size(s.Available)} free of {Size(s.Total)}" : " is full";
        var needed = !RemoteSource.TryParse(source, out _) && fileSystem.TreeSize(source) is { } bytes ? $"; the source holds about {Size(bytes)}" : string.Empty;
        return $"the backup volume is full: {volumePath}{space}{needed}. rsync stopped with exit code {e.ExitCode}; no snapshot was taken " +
               "and .sync is kept. Free space on the volume (snapshotbackup prune/decay, or a bigger disk) and run the backup again.";
    }

    private static string Size(long bytes) =>
        bytes >= 1L << 30 ? $"{bytes / (double)(1L << 30):0.0} GiB" : $"{bytes / (double)(1L << 20):0.0} MiB";
}
