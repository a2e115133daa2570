using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using Quartz;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Metrics;
using SnapshotBackup.Daemon.Configuration;
using SnapshotBackup.Daemon.Jobs;
using SnapshotBackup.Daemon.Scheduling;
using SnapshotBackup.Daemon.State;
using SnapshotBackup.Daemon.Systemd;

namespace SnapshotBackup.Daemon.Hosting;

/// <summary>
/// Start-up, reload and the systemd notify protocol. Jobs are scheduled in <see cref="StartAsync"/>, before Quartz's
/// hosted service starts the scheduler and before the host reports started, so READY=1 means "every job scheduled".
/// SIGHUP re-reads every config file; a broken one is refused and the running configuration stays.
/// </summary>
internal sealed class DaemonService(
    ISchedulerFactory schedulerFactory,
    ConfigStore configs,
    JobRegistrar registrar,
    NextRunListener nextRunListener,
    RunGate gate,
    ISystemdNotifier notifier,
    StatusReporter status,
    MetricsObserver metrics,
    StateStore state,
    Journal.SourceJournals journals,
    IHostApplicationLifetime lifetime,
    ILogger<DaemonService> logger) : IHostedService, IDisposable
{
    private readonly SemaphoreSlim _reloading = new(1, 1);
    private readonly List<PosixSignalRegistration> _signals = [];
    private IScheduler? _scheduler;

    // NativeAOT: AddJobListener checks the listener's shape with Type.GetInterfaceMap (Quartz's ListenerShape), which
    // throws NotSupportedException unless the listener's methods carry reflection metadata; this keeps it.
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicMethods, typeof(NextRunListener))]
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _scheduler = await schedulerFactory.GetScheduler(cancellationToken);
        _scheduler.ListenerManager.AddJobListener(nextRunListener, [Matchers.AllJobs()]);
        var config = configs.Current;
        logger.LogInformation("snapshotbackupd starting: {Count} backups from {Files} (most important first)", config.Set.Backups.Count, ConfigLoader.Precedence(config.Set.Files));
        foreach (var warning in config.Set.Warnings)
        {
            logger.LogWarning("{Warning}", warning);
        }
        // The journals first: a catch-up backup that starts at once must find its source watched.
        journals.Sync(config, reload: false);
        await registrar.SyncAsync(_scheduler, config, null, cancellationToken);
        // The metrics file holds every section from the start (its values from the state file and the volumes).
        metrics.RefreshAll(state.Get);
        _signals.Add(PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            _ = Task.Run(ReloadAsync, CancellationToken.None);
        }));
        // SystemdLifetime stops the host on SIGTERM; by hand (Ctrl+C, SIGQUIT) it stops the same way.
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGQUIT })
        {
            _signals.Add(PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;
                lifetime.StopApplication();
            }));
        }

        // READY=1 and STOPPING=1 are SystemdLifetime's (see Program); these run just before it sends them.
        lifetime.ApplicationStarted.Register(() =>
        {
            logger.LogInformation("snapshotbackupd ready");
            _ = Task.Delay(TimeSpan.FromSeconds(3), lifetime.ApplicationStopping)
                .ContinueWith(t => MemoryTrimmer.Trim(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
        });
        lifetime.ApplicationStopping.Register(() =>
        {
            status.Stopping();
            logger.LogInformation("snapshotbackupd stopping");
        });
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        DisposeSignals();
        return Task.CompletedTask;
    }

    /// <summary>RELOADING=1, re-read, apply or refuse, READY=1.</summary>
    public async Task ReloadAsync()
    {
        if (_scheduler is null || lifetime.ApplicationStopping.IsCancellationRequested)
        {
            return;
        }
        await _reloading.WaitAsync();
        try
        {
            notifier.Notify(SystemdStates.Reloading());
            logger.LogInformation("reloading the configuration (SIGHUP)");
            DaemonConfig next;
            try
            {
                next = DaemonConfig.Load(configs.ExplicitPaths);
            }
            catch (ConfigException e)
            {
                logger.LogError("reload refused, the previous configuration keeps running: {Reason}", e.Message);
                return;
            }
            foreach (var warning in next.Set.Warnings)
            {
                logger.LogWarning("{Warning}", warning);
            }
            var previous = configs.Current;
            configs.Replace(next);
            journals.Sync(next, reload: true);
            gate.Configure(next.Set.MaxConcurrent);
            await registrar.SyncAsync(_scheduler, next, previous, CancellationToken.None);
            metrics.RefreshAll(state.Get);
            logger.LogInformation("configuration reloaded: {Count} backups", next.Set.Backups.Count);
        }
        catch (SchedulerException) when (_scheduler.IsStopping())
        {
            logger.LogInformation("reload abandoned: the daemon is stopping");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogError("reload failed: {Reason}", e.Message);
        }
        finally
        {
            if (!lifetime.ApplicationStopping.IsCancellationRequested)
            {
                notifier.Notify(ServiceState.Ready);
            }
            try
            {
                if (!_scheduler.IsStopping())
                {
                    await registrar.RefreshNextAsync(_scheduler, CancellationToken.None);
                }
            }
            catch (SchedulerException) when (_scheduler.IsStopping())
            {
                // Stopping meanwhile: no next run to show.
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                logger.LogWarning("after the reload, the next run could not be shown: {Reason}", e.Message);
            }
            finally
            {
                _reloading.Release();
            }
        }
    }

    public void Dispose()
    {
        DisposeSignals();
        _reloading.Dispose();
    }

    private void DisposeSignals()
    {
        foreach (var registration in _signals)
        {
            registration.Dispose();
        }
        _signals.Clear();
    }
}
