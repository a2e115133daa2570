using Quartz;

namespace SnapshotBackup.Daemon.Jobs;

/// <summary>Names of the Quartz jobs and triggers of each section.</summary>
internal static class JobKeys
{
    public const string BackupGroup = "backup";
    public const string PruneGroup = "autoprune";
    public const string DecayGroup = "autodecay";
    public const string CatchUpGroup = "catch-up";
    public const string SectionKey = "section";

    public static JobKey Backup(string section) => new(section, BackupGroup);

    public static JobKey Prune(string section) => new(section, PruneGroup);

    public static JobKey Decay(string section) => new(section, DecayGroup);

    public static TriggerKey Schedule(string section) => new(section, BackupGroup);

    public static TriggerKey CatchUp(string section) => new(section, CatchUpGroup);
}
