using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Retention;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Core.Engine;

/// <summary>What every operation does with a fresh listing: report the skipped entries, ask the retention policy.</summary>
internal static class ListingReport
{
    public static void ReportSkipped(ILogger logger, VolumeListing listing)
    {
        foreach (var entry in listing.Skipped)
        {
            logger.LogWarning("skipped {Entry}: it has a backup's name but is not a read-only snapshot, so it is left alone", entry);
        }
    }

    /// <summary>The retention policy's view of <paramref name="listing"/> now, in <paramref name="time"/>'s local time zone.</summary>
    public static IReadOnlyList<BackupEntry> Evaluate(BackupConfig config, VolumeListing listing, TimeProvider time) =>
        RetentionPolicy.Evaluate(listing.Snapshots.Select(s => (s.Name, s.Time)), config.Retention, time.GetLocalNow(), time.LocalTimeZone);
}
