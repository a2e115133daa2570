using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Copies;
using SnapshotBackup.Core.Engine;
using SnapshotBackup.Core.Internal;
using SnapshotBackup.Core.Runs;
using SnapshotBackup.Core.State;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Core.Metrics;

/// <summary>
/// Keeps <c>snapshotbackup.prom</c> in <c>metrics_dir</c> current: after every backup run and every copy run on its own
/// (as an <see cref="IRunObserver"/> of <see cref="BackupRunService"/>), after the prune and decay commands, and for
/// every section at the daemon's start and reload. Each update rewrites the section it is about (last run, the
/// volume's snapshots and space, the copy targets) and keeps the other sections' series; sections no longer configured
/// are dropped at the daemon's start and reload. Cheap: one directory listing of the volume, one statfs, the copy records file, the metrics file read and
/// rewritten; no process is started. Off (does nothing) when the configuration has no <c>metrics_dir</c>; a directory
/// that is missing or not writable is a warning, never a failed run.
/// </summary>
/// <param name="configs">The configuration in force (the daemon's changes at a reload): its metrics_dir and sections.</param>
public sealed class MetricsObserver(Func<ConfigSet> configs, IBackupEngine engine, ILogger logger) : IRunObserver
{
    public Task RunFinishedAsync(BackupConfig config, RunResult result, IReadOnlyList<string> log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(result);
        if (result.DryRun || result.Error is Volume.VolumeLockedException)
        {
            // A run refused by the volume lock did not run (another run holds the volume and reports for itself).
            return Task.CompletedTask;
        }
        Update(config.Name, (sections, configured) =>
        {
            var section = sections.GetValueOrDefault(config.Name) ?? new SectionMetrics(config.Name);
            var outcome = SectionMetrics.OutcomeLabel(result.Outcome);
            section = section with
            {
                LastAttempt = SectionMetrics.Seconds(result.Finished - result.Duration),
                LastSuccess = result.Outcome == RunOutcome.Succeeded ? SectionMetrics.Seconds(result.Finished) : section.LastSuccess,
                LastDuration = result.Duration.TotalSeconds,
                LastTransferredBytes = result.BytesTransferred,
                LastTransferredFiles = result.FilesTransferred ?? 0,
                LastOutcome = outcome,
                Pruned = section.Pruned + result.Pruned.Count,
                Decayed = section.Decayed + result.Decayed.Count,
                MinFreeDeleted = section.MinFreeDeleted + result.MinFreeDeleted.Count,
            };
            sections[config.Name] = ReadVolume(section, config);
        });
        return Task.CompletedTask;
    }

    public Task CopiesFinishedAsync(BackupConfig config, IReadOnlyList<CopyReport> reports, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        Update(config.Name, (sections, configured) =>
            sections[config.Name] = ReadVolume(sections.GetValueOrDefault(config.Name) ?? new SectionMetrics(config.Name), config));
        return Task.CompletedTask;
    }

    /// <summary>The prune or decay command deleted <paramref name="deleted"/> snapshots (not for a dry run).</summary>
    public void Deleted(BackupConfig config, bool decay, int deleted)
    {
        ArgumentNullException.ThrowIfNull(config);
        Update(config.Name, (sections, configured) =>
        {
            var section = sections.GetValueOrDefault(config.Name) ?? new SectionMetrics(config.Name);
            section = decay ? section with { Decayed = section.Decayed + deleted } : section with { Pruned = section.Pruned + deleted };
            sections[config.Name] = ReadVolume(section, config);
        });
    }

    /// <summary>
    /// Every configured section at once (the daemon's start and reload). What the file does not know yet is taken from
    /// the daemon's state (<paramref name="recorded"/>: last start, last success, last outcome) and from the newest
    /// snapshot (a last success at least that recent).
    /// </summary>
    public void RefreshAll(Func<string, SectionState?> recorded)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        Update(null, (sections, configured) =>
        {
            foreach (var config in configured.Backups.Values)
            {
                var section = FromState(sections.GetValueOrDefault(config.Name) ?? new SectionMetrics(config.Name), recorded(config.Name));
                section = ReadVolume(section, config);
                if (section.NewestSnapshot is { } newest && !(section.LastSuccess >= newest))
                {
                    section = section with { LastSuccess = newest };
                }
                sections[config.Name] = section;
            }
        });
    }

    private static SectionMetrics FromState(SectionMetrics section, SectionState? state)
    {
        if (state is null)
        {
            return section;
        }
        if (state.LastSuccess is { } success && !(section.LastSuccess >= SectionMetrics.Seconds(success)))
        {
            section = section with { LastSuccess = SectionMetrics.Seconds(success) };
        }
        if (state.LastStart is { } start && !(section.LastAttempt >= SectionMetrics.Seconds(start)))
        {
            // The state knows a later run than the file: its outcome; still "running" means it never ended (killed).
            var outcome = state.LastOutcome == RunOutcomeText.Running ? RunOutcome.Interrupted : RunOutcomeText.Parse(state.LastOutcome);
            section = section with
            {
                LastAttempt = SectionMetrics.Seconds(start),
                LastOutcome = outcome is { } known ? SectionMetrics.OutcomeLabel(known) : section.LastOutcome,
            };
        }
        return section;
    }

    /// <summary>The volume's snapshots and space and the copy targets' records; the last values kept when the volume cannot be read.</summary>
    private SectionMetrics ReadVolume(SectionMetrics section, BackupConfig config)
    {
        VolumeListing listing;
        try
        {
            listing = engine.ListSnapshots(config);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogDebug("metrics of {Backup}: volume not read: {Reason}", config.Name, e.Message);
            return section with { VolumeAvailable = false, Copies = section.Copies.Where(c => config.CopyTo.Any(t => t.Spec == c.Target)).ToList() };
        }
        var space = LibC.FileSystemSpace(config.Backups);
        var newest = listing.Newest;
        section = section with
        {
            VolumeAvailable = true,
            Snapshots = listing.Snapshots.Count,
            OldestSnapshot = listing.Snapshots.Count > 0 ? listing.Snapshots[0].Time.ToUnixTimeSeconds() : null,
            NewestSnapshot = newest?.Time.ToUnixTimeSeconds(),
            VolumeSize = space?.Total ?? section.VolumeSize,
            VolumeFree = space?.Available ?? section.VolumeFree,
        };
        if (config.CopyTo.Count == 0)
        {
            return section with { Copies = [] };
        }
        var records = engine.CopyRecords(config);
        return section with
        {
            Copies = config.CopyTo.Select(target =>
            {
                var record = records.GetValueOrDefault(target.Spec);
                double? lag = null;
                if (record?.NewestCopy is { } copied && SnapshotName.TryParse(copied, out var copiedTime) && newest is not null)
                {
                    lag = Math.Max(0, (newest.Time - copiedTime).TotalSeconds);
                }
                return new CopyMetrics(target.Spec)
                {
                    LastSuccess = record?.LastCopy is { } last ? SectionMetrics.Seconds(last) : null,
                    Lag = lag,
                };
            }).ToList(),
        };
    }

    /// <summary>Locks, reads, changes and writes the file; for every section at once (<paramref name="section"/> null) drops
    /// unconfigured ones; a failure is a warning.</summary>
    private void Update(string? section, Action<Dictionary<string, SectionMetrics>, ConfigSet> change)
    {
        var configured = configs();
        if (configured.MetricsDir is not { } directory)
        {
            return;
        }
        var file = new MetricsFile(directory);
        try
        {
            file.Update(sections =>
            {
                change(sections, configured);
                if (section is not null)
                {
                    return;
                }
                // Only when every section is refreshed (the daemon's start and reload): a command run with another
                // configuration (-c, the user's own file) must not drop the daemon's sections.
                foreach (var name in sections.Keys.Where(n => !configured.Backups.ContainsKey(n)).ToList())
                {
                    sections.Remove(name);
                }
            });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("metrics{Of}: cannot write {File}: {Reason}", section is null ? "" : " of " + section, file.Path, e.Message);
        }
    }
}
