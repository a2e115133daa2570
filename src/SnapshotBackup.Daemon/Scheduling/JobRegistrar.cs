using Microsoft.Extensions.Logging;
using Quartz;
using SnapshotBackup.Core.Engine;
using SnapshotBackup.Core.Runs;
using SnapshotBackup.Daemon.Configuration;
using SnapshotBackup.Daemon.Hosting;
using SnapshotBackup.Daemon.Jobs;
using SnapshotBackup.Daemon.State;

namespace SnapshotBackup.Daemon.Scheduling;

/// <summary>
/// Keeps the scheduler's jobs in step with the configuration: a backup job per section with its schedule (autodecay and
/// autoprune are steps of its run). Also decides catch-up runs and the "next" status.
/// A reload catches up the sections it adds and those whose backups directory has become available since it was last
/// found missing (added before their <c>setup</c>, a disk plugged in); the same rules as at start-up, so at most once.
/// </summary>
internal sealed class JobRegistrar(
    ConfigStore configs,
    IBackupEngine engine,
    StateStore state,
    VolumeAvailability volumes,
    StatusReporter status,
    TimeProvider time,
    ILogger<JobRegistrar> logger)
{
    /// <summary>Applies <paramref name="config"/>; <paramref name="previous"/> is null at start-up.</summary>
    public async Task SyncAsync(IScheduler scheduler, DaemonConfig config, DaemonConfig? previous, CancellationToken cancellationToken)
    {
        var configured = config.Set.Backups.Keys.ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var name in previous?.Set.Backups.Keys.Where(n => !configured.Contains(n)) ?? [])
        {
            await scheduler.DeleteJob(JobKeys.Backup(name), cancellationToken);
            logger.LogInformation("backup {Backup} removed from the schedule", name);
        }

        var added = new List<string>();
        foreach (var name in config.Set.Backups.Keys)
        {
            var schedule = config.Schedules[name];
            var old = previous?.Find(name);
            var unchanged = old is not null && previous!.Schedules.TryGetValue(name, out var oldSchedule) && oldSchedule.Description == schedule.Description
                && (schedule.OnMount
                    ? await scheduler.Exists(JobKeys.Backup(name), cancellationToken)
                    : await scheduler.Exists(JobKeys.Schedule(name), cancellationToken));
            if (!unchanged)
            {
                var job = JobBuilder.Create<BackupJob>()
                    .WithIdentity(JobKeys.Backup(name))
                    .UsingJobData(JobKeys.SectionKey, name)
                    .StoreDurably()
                    .Build();
                if (schedule.OnMount)
                {
                    // No trigger of its own: the mount watcher (and the catch-up) start it.
                    await scheduler.UnscheduleJob(JobKeys.Schedule(name), cancellationToken);
                    await scheduler.AddJob(job, AddJobOptions.Replacing, cancellationToken);
                    state.Update(name, s => s with { NextRun = null });
                }
                else
                {
                    var startAt = FirstRun(name, schedule);
                    var trigger = schedule.BuildTrigger(job.Key, JobKeys.Schedule(name), startAt);
                    await scheduler.ScheduleJob(job, [trigger], ScheduleJobOptions.Replacing, cancellationToken);
                }
                logger.LogInformation("backup {Backup} scheduled {Schedule}", name, schedule.Description);
                if (old is null)
                {
                    added.Add(name);
                }
            }
            if (state.Get(name).Schedule != schedule.Description)
            {
                state.Update(name, s => s with { Schedule = schedule.Description });
            }
        }
        await SyncCopyJobsAsync(scheduler, config, previous, cancellationToken);
        state.Retain(configured);
        volumes.Retain(configured);

        foreach (var name in added)
        {
            await CatchUpAsync(scheduler, config, name, cancellationToken);
        }
        foreach (var name in config.Set.Backups.Keys.Except(added, StringComparer.OrdinalIgnoreCase))
        {
            if (previous is not null && volumes.WasUnavailable(name) && IsAvailable(name, config))
            {
                logger.LogInformation("backup {Backup}: its backups directory is available now", name);
                await CatchUpAsync(scheduler, config, name, cancellationToken);
            }
        }
        await RefreshNextAsync(scheduler, cancellationToken);
    }

    /// <summary>A copy job for each section with a <c>copy_schedule</c>; the others copy at the end of each backup run.</summary>
    private async Task SyncCopyJobsAsync(IScheduler scheduler, DaemonConfig config, DaemonConfig? previous, CancellationToken cancellationToken)
    {
        foreach (var name in previous?.CopySchedules.Keys.Where(n => !config.CopySchedules.ContainsKey(n)) ?? [])
        {
            await scheduler.DeleteJob(JobKeys.Copy(name), cancellationToken);
            logger.LogInformation("copies of {Backup} removed from the schedule (they run after each backup, if it has copy_to)", name);
        }
        foreach (var (name, schedule) in config.CopySchedules)
        {
            if (previous is not null && previous.CopySchedules.TryGetValue(name, out var old) && old.Description == schedule.Description
                && await scheduler.Exists(JobKeys.CopySchedule(name), cancellationToken))
            {
                continue;
            }
            var job = JobBuilder.Create<CopyJob>()
                .WithIdentity(JobKeys.Copy(name))
                .UsingJobData(JobKeys.SectionKey, name)
                .StoreDurably()
                .Build();
            var now = time.GetUtcNow();
            var trigger = schedule.BuildTrigger(job.Key, JobKeys.CopySchedule(name), schedule.NextAfter(now) ?? now);
            await scheduler.ScheduleJob(job, [trigger], ScheduleJobOptions.Replacing, cancellationToken);
            logger.LogInformation("copies of {Backup} scheduled {Schedule}", name, schedule.Description);
        }
    }

    /// <summary>After a start or a wake-up: runs each section once now when a scheduled time passed since its newest backup.</summary>
    public async Task CatchUpAllAsync(IScheduler scheduler, DaemonConfig config, CancellationToken cancellationToken)
    {
        foreach (var name in config.Set.Backups.Keys)
        {
            await CatchUpAsync(scheduler, config, name, cancellationToken);
        }
    }

    private async Task CatchUpAsync(IScheduler scheduler, DaemonConfig config, string name, CancellationToken cancellationToken)
    {
        var due = Due(config, name);
        if (due.NotBefore is not null)
        {
            return;
        }
        if (config.Schedules[name].OnMount && !due.Available)
        {
            logger.LogInformation("backup {Backup}: waiting for its volume to appear (schedule on-mount)", name);
            return;
        }
        if (await TriggerNowAsync(scheduler, name, cancellationToken))
        {
            logger.LogInformation("backup {Backup}: {Why}; catching up now", name,
                due.Newest is not { } n ? "no backup yet"
                : config.Schedules[name].OnMount ? $"its volume is there and min_interval has passed since the newest backup ({n.ToLocalTime():yyyy-MM-dd HH:mm:ss})"
                : $"a scheduled run was missed since the newest backup ({n.ToLocalTime():yyyy-MM-dd HH:mm:ss})");
        }
    }

    /// <summary>
    /// Whether a run of <paramref name="name"/> is due now, by the one rule of catch-ups and of the mount watcher: a
    /// scheduled time (for on-mount, <c>min_interval</c>) has passed since the newest backup, or there is none.
    /// </summary>
    /// <returns>The newest backup's time; null <c>NotBefore</c> when due, else the time it becomes due; whether the volume could be read.</returns>
    public (DateTimeOffset? Newest, DateTimeOffset? NotBefore, bool Available) Due(DaemonConfig config, string name)
    {
        ArgumentNullException.ThrowIfNull(config);
        var newest = LastSuccessOf(name, config, out var available);
        return newest is { } last && config.Schedules[name].NextAfter(last) is { } due && due > time.GetUtcNow()
            ? (newest, due, available)
            : (newest, null, available);
    }

    /// <summary>
    /// Starts the section's backup now through a catch-up trigger; false when one is pending already (one catch-up
    /// trigger per section at most; a run that finishes meanwhile makes the job skip it). <paramref name="reason"/>, if
    /// given, is what the job's start line says instead of "catch-up".
    /// </summary>
    public static async Task<bool> TriggerNowAsync(IScheduler scheduler, string name, CancellationToken cancellationToken, string? reason = null)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        if (await scheduler.Exists(JobKeys.CatchUp(name), cancellationToken))
        {
            return false;
        }
        var trigger = TriggerBuilder.Create()
            .WithIdentity(JobKeys.CatchUp(name))
            .ForJob(JobKeys.Backup(name))
            .UsingJobData(JobKeys.ReasonKey, reason ?? "catch-up")
            .StartNow()
            .Build();
        try
        {
            await scheduler.ScheduleJob(trigger, default, cancellationToken);
        }
        catch (ObjectAlreadyExistsException)
        {
            // Another caller (the mount watcher, a reload, a wake-up) got there first.
            return false;
        }
        return true;
    }

    /// <summary>Publishes the next scheduled run overall (STATUS=) and per section (state file).</summary>
    public async Task RefreshNextAsync(IScheduler scheduler, CancellationToken cancellationToken)
    {
        var sections = configs.Current.Set.Backups.Keys;
        (string, DateTimeOffset)? soonest = null;
        foreach (var name in sections)
        {
            var key = JobKeys.Schedule(name);
            var trigger = await scheduler.GetTrigger(key, cancellationToken);
            if (trigger?.NextFireTimeUtc is not { } next)
            {
                continue;
            }
            state.Update(key.Name, s => s with { NextRun = next.ToLocalTime() });
            if (soonest is null || next < soonest.Value.Item2)
            {
                soonest = (key.Name, next);
            }
        }
        status.SetNext(soonest);
    }

    /// <summary>The first regular run: one interval after the newest backup, or the next scheduled time from now.</summary>
    private DateTimeOffset FirstRun(string name, BackupSchedule schedule)
    {
        var now = time.GetUtcNow();
        var anchor = state.Get(name).LastSuccess ?? now;
        var next = schedule.NextAfter(anchor > now ? now : anchor);
        return next is { } n && n > now ? n : schedule.NextAfter(now) ?? now;
    }

    /// <summary>The newest backup on the volume, else the state's last success; notes whether the volume was readable.</summary>
    private DateTimeOffset? LastSuccessOf(string name, DaemonConfig config, out bool available)
    {
        var newest = LastSuccess.Find(engine, config.Find(name)!, () => state.Get(name).LastSuccess, out var volumeError);
        available = volumeError is null;
        volumes.Record(name, available);
        if (volumeError is not null)
        {
            logger.LogDebug("backup {Backup}: volume not readable ({Reason}); using the state file", name, volumeError.Message);
        }
        return newest;
    }

    private bool IsAvailable(string name, DaemonConfig config)
    {
        try
        {
            engine.EnsureAvailable(config.Find(name)!);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogDebug("backup {Backup}: backups directory still unavailable ({Reason})", name, e.Message);
            return false;
        }
    }
}
