using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using Quartz;
using Serilog;
using SnapshotBackup.Core;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Engine;
using SnapshotBackup.Core.Metrics;
using SnapshotBackup.Core.Notifications;
using SnapshotBackup.Core.Pings;
using SnapshotBackup.Core.Runs;
using SnapshotBackup.Core.State;
using SnapshotBackup.Daemon.Configuration;
using SnapshotBackup.Daemon.Hosting;
using SnapshotBackup.Daemon.Jobs;
using SnapshotBackup.Daemon.Logging;
using SnapshotBackup.Daemon.Mounts;
using SnapshotBackup.Daemon.Power;
using SnapshotBackup.Daemon.Scheduling;
using SnapshotBackup.Daemon.State;
using SnapshotBackup.Daemon.Systemd;

namespace SnapshotBackup.Daemon;

internal static class Program
{
    /// <summary>Above rsync's SIGTERM grace period, below the unit's TimeoutStopSec and the 15 s promise.</summary>
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(12);

    public static async Task<int> Main(string[] args)
    {
        DaemonArguments arguments;
        try
        {
            arguments = DaemonArguments.Parse(args);
        }
        catch (UsageException e)
        {
            await Console.Error.WriteLineAsync("snapshotbackupd: " + e.Message);
            return ExitCodes.Usage;
        }
        if (arguments.Help)
        {
            DaemonArguments.WriteHelp(Console.Out);
            return ExitCodes.Ok;
        }
        if (arguments.Version)
        {
            var version = typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0];
            await Console.Out.WriteLineAsync("snapshotbackupd " + version);
            return ExitCodes.Ok;
        }

        Log.Logger = DaemonLogger.Create(arguments.Log, arguments.Debug > 0, Environment.GetEnvironmentVariable);
        using var stopReason = new StopReason();
        var (code, reason) = await RunAsync(arguments, stopReason);
        // The last line, after the host (and with it every job) has shut down.
        Log.Information("snapshotbackupd stopped: {ExitReason}, exit code {ExitCode}", reason, code);
        await Log.CloseAndFlushAsync();
        return code;
    }

    private static async Task<(int Code, string Reason)> RunAsync(DaemonArguments arguments, StopReason stopReason)
    {
        try
        {
            DaemonConfig config;
            try
            {
                config = DaemonConfig.Load(arguments.ConfigPaths);
            }
            catch (ConfigException e)
            {
                Log.Fatal("configuration error: {Reason}", e.Message);
                return (ExitCodes.Usage, "configuration error");
            }
            using var host = BuildHost(arguments, config);
            await host.RunAsync();
            return (ExitCodes.Ok, stopReason.Describe());
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Log.Fatal(e, "snapshotbackupd failed: {Reason}", e.Message);
            return (ExitCodes.Failed, "failed: " + e.Message);
        }
    }

    private static IHost BuildHost(DaemonArguments arguments, DaemonConfig config)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        // sd_notify through the library: its SystemdNotifier (made safe to call) and SystemdLifetime, the one sender of
        // READY=1 (when every job is scheduled) and STOPPING=1, which also stops the host on SIGTERM. Registered always,
        // not as AddSystemd() does only when systemd is our parent, so a supervisor or a test that sets NOTIFY_SOCKET
        // hears the same protocol; without NOTIFY_SOCKET nothing is sent.
        builder.Services.AddSingleton<ISystemdNotifier>(sp => new SafeSystemdNotifier(sp.GetService<ILogger<SafeSystemdNotifier>>()));
        builder.Services.AddSingleton<IHostLifetime, SystemdLifetime>();
        builder.Services.AddSerilog();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);

        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(new ConfigStore(config, arguments.ConfigPaths));
        services.AddSingleton(new StateFile(arguments.StateFile ?? StateFile.Locate(Environment.GetEnvironmentVariable)));
        services.AddSingleton<StateStore>();
        services.AddSingleton<VolumeAvailability>();
        services.AddSingleton<RunningSections>();
        services.AddSingleton<Journal.SourceJournals>();
        services.AddSingleton<StatusReporter>();
        services.AddSingleton(new RunGate(config.Set.MaxConcurrent));
        services.AddSingleton<ISleepInhibitor, SleepInhibitor>();
        services.AddSingleton(sp => new DesktopNotifications(sp.GetRequiredService<ILoggerFactory>().CreateLogger("SnapshotBackup.Notifications"))
        {
            LocalTimeZone = sp.GetRequiredService<TimeProvider>().LocalTimeZone,
        });
        services.AddSingleton<IBackupEngine>(sp =>
            BackupEngineFactory.Create(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger("SnapshotBackup.Engine")));
        services.AddSingleton<IRunRecorder, StateRunRecorder>();
        services.AddSingleton(sp => new HealthPinger(sp.GetRequiredService<ILoggerFactory>().CreateLogger("SnapshotBackup.Pings")));
        services.AddSingleton(sp =>
        {
            var configs = sp.GetRequiredService<ConfigStore>();
            return new MetricsObserver(() => configs.Current.Set, sp.GetRequiredService<IBackupEngine>(),
                sp.GetRequiredService<ILoggerFactory>().CreateLogger("SnapshotBackup.Metrics"));
        });
        services.AddSingleton(sp =>
        {
            var inhibitor = sp.GetRequiredService<ISleepInhibitor>();
            return new BackupRunService(
                sp.GetRequiredService<IBackupEngine>(),
                sp.GetRequiredService<DesktopNotifications>(),
                sp.GetRequiredService<IRunRecorder>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILoggerFactory>().CreateLogger("SnapshotBackup.Runs"))
            {
                KeepAwake = (name, token) => inhibitor.AcquireAsync($"backing up {name}", token),
                Observers = [sp.GetRequiredService<HealthPinger>(), sp.GetRequiredService<MetricsObserver>()],
            };
        });
        services.AddSingleton<JobRegistrar>();
        services.AddSingleton<NextRunListener>();
        services.AddTransient<BackupJob>();
        services.AddTransient<CopyJob>();

        services.AddQuartz(q =>
        {
            q.UseDefaultThreadPool(tp => tp.MaxConcurrency = 16);
        });
        // Order matters: DaemonService schedules the jobs, then Quartz's hosted service starts the scheduler.
        services.AddHostedService<DaemonService>();
        services.AddQuartzHostedService(o =>
        {
            o.WaitForJobsToComplete = true;
            o.AwaitApplicationStarted = false;
        });
        services.AddHostedService<WatchdogService>();
        services.AddHostedService<SuspendWatcher>();
        services.AddHostedService<MountWatcher>();
        return builder.Build();
    }
}
