using Quartz;

namespace SnapshotBackup.Daemon.Jobs;

/// <summary>Names of the Quartz jobs and triggers of each section, and the one way to read a job's section.</summary>
internal static class JobKeys
{
    public const string BackupGroup = "backup";
    public const string CatchUpGroup = "catch-up";
    public const string CopyGroup = "copy";
    public const string SectionKey = "section";

    /// <summary>A catch-up trigger's data: why it runs (<c>catch-up</c>, <c>volume appeared</c>), for the start line.</summary>
    public const string ReasonKey = "reason";

    public static JobKey Backup(string section) => new(section, BackupGroup);

    public static TriggerKey Schedule(string section) => new(section, BackupGroup);

    public static TriggerKey CatchUp(string section) => new(section, CatchUpGroup);

    /// <summary>The copy job of a section with a <c>copy_schedule</c> of its own.</summary>
    public static JobKey Copy(string section) => new(section, CopyGroup);

    public static TriggerKey CopySchedule(string section) => new(section, CopyGroup);

    /// <summary>The section (backup name) a job runs for.</summary>
    public static string Section(this IJobExecutionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.MergedJobDataMap.GetString(SectionKey)
               ?? throw new InvalidOperationException($"job {context.JobDetail.Key} has no '{SectionKey}' in its data");
    }
}
