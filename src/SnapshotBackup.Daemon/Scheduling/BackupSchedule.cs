using Quartz;

namespace SnapshotBackup.Daemon.Scheduling;

/// <summary>
/// When a backup runs: a Quartz cron expression (evaluated in a time zone, local by default), a fixed interval, or
/// <c>on-mount</c> (no time at all: the <see cref="Mounts.MountWatcher"/> starts a run when the disk appears, at most once per
/// <c>min_interval</c>). Create through <see cref="ScheduleParser.Parse"/> or the <see cref="Cron"/> / <see cref="Every"/> /
/// <see cref="WhenMounted"/> factories.
/// </summary>
internal sealed class BackupSchedule
{
    private BackupSchedule(string description, string? cronExpression, TimeSpan? interval, TimeZoneInfo timeZone, bool onMount = false)
    {
        OnMount = onMount;
        Description = description;
        CronExpression = cronExpression;
        Interval = interval;
        TimeZone = timeZone;
    }

    /// <summary>Human-readable form, e.g. <c>every 15 minutes</c> or <c>cron 0 0 * * * ?</c>.</summary>
    public string Description { get; }

    /// <summary>The Quartz cron expression, or null for an interval schedule.</summary>
    public string? CronExpression { get; }

    /// <summary>The repeat interval (for on-mount, <c>min_interval</c>), or null for a cron schedule.</summary>
    public TimeSpan? Interval { get; }

    /// <summary>
    /// <c>schedule = on-mount</c>: no trigger of its own; a run when the volume appears (and at start when it is there),
    /// once <see cref="Interval"/> (<c>min_interval</c>) has passed since the last success.
    /// </summary>
    public bool OnMount { get; }

    /// <summary>Time zone cron expressions are evaluated in.</summary>
    public TimeZoneInfo TimeZone { get; }

    /// <summary>A cron schedule; <paramref name="quartzExpression"/> must be a valid Quartz cron expression.</summary>
    /// <exception cref="FormatException">The expression is not valid.</exception>
    public static BackupSchedule Cron(string quartzExpression, string? description = null, TimeZoneInfo? timeZone = null)
    {
        ArgumentNullException.ThrowIfNull(quartzExpression);
        _ = Quartz.CronExpression.Parse(quartzExpression); // validates, throws FormatException
        return new BackupSchedule(description ?? "cron " + quartzExpression, quartzExpression, null, timeZone ?? TimeZoneInfo.Local);
    }

    /// <summary>A schedule repeating every <paramref name="interval"/> (at least one second).</summary>
    public static BackupSchedule Every(TimeSpan interval, string? description = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(interval, TimeSpan.FromSeconds(1));
        return new BackupSchedule(description ?? $"every {interval}", null, interval, TimeZoneInfo.Local);
    }

    /// <summary>Backs up only when the volume appears, at most once per <paramref name="minInterval"/> (at least one second).</summary>
    public static BackupSchedule WhenMounted(TimeSpan minInterval)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minInterval, TimeSpan.FromSeconds(1));
        return new BackupSchedule($"on-mount (at most every {Describe(minInterval)})", null, minInterval, TimeZoneInfo.Local, onMount: true);
    }

    /// <summary>
    /// A Quartz trigger for <paramref name="job"/> starting at <paramref name="startAt"/>: cron triggers in <see cref="TimeZone"/>,
    /// interval triggers repeating forever; missed fire times are not replayed in bursts.
    /// </summary>
    public ITrigger BuildTrigger(JobKey job, TriggerKey key, DateTimeOffset startAt)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(key);
        if (OnMount)
        {
            throw new InvalidOperationException("an on-mount schedule has no trigger; the mount watcher starts its runs");
        }
        var builder = TriggerBuilder.Create()
            .WithIdentity(key)
            .ForJob(job)
            .WithDescription(Description)
            .StartAt(startAt);
        IScheduleBuilder schedule = CronExpression is { } cron
            ? CronScheduleBuilder.Create(cron).InTimeZone(TimeZone).WithMisfireInstruction(CronTriggerMisfireInstruction.DoNothing)
            : SimpleScheduleBuilder.Create().WithInterval(Interval!.Value).RepeatForever()
                .WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount);
        return builder.WithSchedule(schedule).Build();
    }

    /// <summary>
    /// The first scheduled time strictly after <paramref name="time"/> (null when a cron expression never fires again).
    /// A run was missed since the newest backup iff <c>NextAfter(newest) &lt;= now</c>. For on-mount, the time
    /// <c>min_interval</c> after <paramref name="time"/>: from then on the volume's appearance starts a run.
    /// </summary>
    public DateTimeOffset? NextAfter(DateTimeOffset time)
    {
        if (Interval is { } interval)
        {
            return time + interval;
        }

        return new Quartz.CronExpression(CronExpression!, TimeZone).GetNextValidTimeAfter(time);
    }

    public override string ToString() => Description;

    private static string Describe(TimeSpan span) =>
        span.TotalDays >= 1 && span.Ticks % TimeSpan.TicksPerDay == 0 ? Plural((long)span.TotalDays, "day")
        : span.TotalHours >= 1 && span.Ticks % TimeSpan.TicksPerHour == 0 ? Plural((long)span.TotalHours, "hour")
        : span.TotalMinutes >= 1 && span.Ticks % TimeSpan.TicksPerMinute == 0 ? Plural((long)span.TotalMinutes, "minute")
        : Plural((long)span.TotalSeconds, "second");

    private static string Plural(long n, string unit) =>
        n == 1 ? unit : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{n} {unit}s");
}
