using System.Reflection;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Logging;
using SnapshotBackup.Core;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Engine;
using SnapshotBackup.Core.Metrics;
using SnapshotBackup.Core.Hooks;
using SnapshotBackup.Core.Notifications;
using SnapshotBackup.Core.Pings;
using SnapshotBackup.Core.Retention;
using SnapshotBackup.Core.Runs;
using SnapshotBackup.Core.State;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Cli;

/// <summary>Dispatches one parsed command line to the engine and prints for people.</summary>
public sealed class CliApp(CliArguments arguments, ILogger logger, TextWriter output, TextWriter error)
{
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Answers [y/N] questions; null means there is no terminal to ask on.</summary>
    public Func<string, bool>? Ask { get; init; } = Prompt.FromTerminal();

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        if (arguments.Help)
        {
            CliCommandLine.WriteHelp(arguments.Command, output);
            return ExitCodes.Ok;
        }
        if (arguments.Version)
        {
            await output.WriteLineAsync("snapshotbackup " + Version);
            return ExitCodes.Ok;
        }
        if (arguments.Command is null)
        {
            throw new UsageException("no command given; see 'snapshotbackup --help'");
        }
        if (arguments.Command == "status")
        {
            return await StatusAsync();
        }
        if (arguments.Name is null)
        {
            throw new UsageException($"'{arguments.Command}' needs the name of a backup (a section of the configuration)");
        }

        var configSet = ConfigLoader.Load(arguments.ConfigPaths, Environment.CurrentDirectory);
        _configSet = configSet;
        logger.LogDebug("configuration read from {Files} (most important first)", ConfigLoader.Precedence(configSet.Files));
        foreach (var warning in configSet.Warnings)
        {
            logger.LogWarning("{Warning}", warning);
        }
        var config = configSet.Get(arguments.Name);
        if (arguments.Source is { } source && !source.StartsWith('/') && !RemoteSource.TryParse(source, out _))
        {
            // Relative to the working directory, as a relative 'source' in the config is; host:path is rsync's remote form.
            var colon = source.IndexOf(':', StringComparison.Ordinal);
            var slash = source.IndexOf('/', StringComparison.Ordinal);
            if (source.Length == 0 || (colon > 0 && (slash < 0 || colon < slash)))
            {
                throw new UsageException($"--source {source}: expected a path or user@host:/path (a remote path must be absolute)");
            }
            arguments = arguments with { Source = Path.GetFullPath(source) };
        }

        var engine = CreateEngine();
        switch (arguments.Command)
        {
            case "setup":
                engine.Setup(config, arguments.DryRun);
                return ExitCodes.Ok;
            case "backup":
                return await BackupAsync(engine, config, cancellationToken);
            case "list":
                var entries = engine.List(config);
                var now = Time.GetLocalNow();
                var copies = await ListCopiesAsync(engine, config, entries, cancellationToken);
                var pins = ListPins(config);
                var rules = ListRules(config, entries, now, copies, pins);
                await output.WriteAsync(arguments.Json ? ListPrinter.Json(entries, now, copies, pins, rules) : ListPrinter.Text(entries, now, copies, pins, rules));
                return ExitCodes.Ok;
            case "plan":
                return await new PlanCommand(arguments, engine, output, Time).RunAsync(config);
            case "prune" or "decay":
                return await DeleteAsync(engine, config, arguments.Command == "decay", cancellationToken);
            case "destroy":
                return Destroy(engine, config);
            case "clean":
                return Clean(engine, config);
            case "notify-test":
                return await NotifyTestAsync(config, cancellationToken);
            case "restore":
                return await new RestoreCommand(arguments, engine, RunService(engine), logger, output, Time) { Ask = Ask }.RunAsync(config, cancellationToken);
            case "versions":
                return await new VersionsCommand(arguments, engine, logger, output, Time).RunAsync(config, cancellationToken);
            case "diff":
                return await new DiffCommand(arguments, engine, logger, output, Time).RunAsync(config, cancellationToken);
            case "pin" or "unpin":
                return await new PinCommand(arguments, engine, output).RunAsync(config);
            case "copy":
                return await new CopyCommand(arguments, RunService(engine), logger, output, error).RunAsync(config, cancellationToken);
            default:
                throw new UsageException($"'{arguments.Command}' is not available in this version");
        }
    }

    /// <summary>
    /// The daemon's state of each section of the configuration in effect, with the newest snapshot on its volume; the
    /// state's sections alone when no configuration file exists. Exit 65 when the state file is unreadable or corrupt.
    /// </summary>
    private async Task<int> StatusAsync()
    {
        var file = new StateFile(arguments.StateFile ?? StateFile.LocateToRead(Environment.GetEnvironmentVariable));
        DaemonState? state = null;
        StateFileException? stateError = null;
        try
        {
            state = file.Load();
        }
        catch (StateFileException e)
        {
            stateError = e;
        }
        var (files, searched) = ConfigLoader.Locate(arguments.ConfigPaths, Environment.GetEnvironmentVariable);
        ConfigSet? configSet = null;
        if (files.Count > 0)
        {
            configSet = ConfigLoader.Load(files, searched, Environment.CurrentDirectory);
            logger.LogDebug("configuration read from {Files} (most important first)", ConfigLoader.Precedence(configSet.Files));
            foreach (var warning in configSet.Warnings)
            {
                logger.LogWarning("{Warning}", warning);
            }
        }
        else if (stateError is not null)
        {
            throw stateError; // neither a configuration nor a state: nothing to show
        }
        var running = state is not null && StatusPrinter.IsDaemonRunning(state.Pid);
        var report = StatusReport.Collect(configSet, file.Path, state, stateError?.Message, running, arguments.Name);
        await output.WriteAsync(arguments.Json ? StatusPrinter.Json(report) : StatusPrinter.Text(report, Time.GetLocalNow()));
        if (stateError is not null)
        {
            logger.LogError("{Message}", stateError.Message);
            return ExitCodes.StateUnreadable;
        }
        return ExitCodes.Ok;
    }

    /// <summary>For a section with copy_to: which targets hold each snapshot, and which snapshots are kept for them.</summary>
    private async Task<ListCopies?> ListCopiesAsync(BackupEngine engine, BackupConfig config, IReadOnlyList<Core.Retention.BackupEntry> entries, CancellationToken cancellationToken)
    {
        if (config.CopyTo.Count == 0)
        {
            return null;
        }
        var (holders, unlisted) = await Core.Copies.CopyHolders.FindAsync(config, entries.Select(e => e.Name).ToList(), logger, cancellationToken);
        var kept = Core.Copies.CopyChain.Protected(config, engine.CopyRecords(config), Time.GetLocalNow(), Time.LocalTimeZone);
        return new ListCopies(config.CopyTo.Select(t => t.Spec).ToList(), holders, kept.Keys.ToHashSet(StringComparer.Ordinal), unlisted);
    }

    /// <summary>Each snapshot's deciding rule in the plan's words (<c>daily until 2027-01-02 14:00</c>, <c>prune</c>), for list.</summary>
    private Dictionary<string, string> ListRules(
        BackupConfig config, IReadOnlyList<BackupEntry> entries, DateTimeOffset now, ListCopies? copies, IReadOnlyDictionary<string, Pin>? pins)
    {
        var parents = (copies?.KeptForCopies ?? new HashSet<string>()).ToDictionary(n => n, _ => (IReadOnlyList<string>)[], StringComparer.Ordinal);
        var plan = RetentionPlan.Explain(entries, config.Retention, now, Time.LocalTimeZone, pins ?? new Dictionary<string, Pin>(), parents, nextChange: false);
        return plan.ToDictionary(p => p.Name, p => RetentionPlan.Summary(p, Time.LocalTimeZone), StringComparer.Ordinal);
    }

    /// <summary>The volume's pins for list; an unreadable pins file is a warning here (prune and decay refuse to run).</summary>
    private IReadOnlyDictionary<string, Pin>? ListPins(BackupConfig config)
    {
        try
        {
            return new PinRecords(config.Backups).Read();
        }
        catch (PinsUnreadableException e)
        {
            logger.LogWarning("{Message}", e.Message);
            return null;
        }
    }

    private BackupEngine CreateEngine() => BackupEngineFactory.Create(Time, logger);

    private async Task<int> BackupAsync(BackupEngine engine, BackupConfig config, CancellationToken cancellationToken)
    {
        var showProgress = arguments.Progress && Terminal.IsTerminal(2);
        var runs = RunService(engine);
        var result = await runs.RunAsync(config, new BackupRequest
        {
            Checksum = arguments.Checksum,
            DryRun = arguments.DryRun,
            Progress = showProgress,
            SourceOverride = arguments.Source,
            OnProgress = showProgress ? p => error.Write($"\r{p,3}%") : null,
            OnCopyProgress = showProgress ? CopyCommand.Progress(error) : null,
        }, cancellationToken);
        if (result.Error is { } failure)
        {
            ExceptionDispatchInfo.Throw(failure); // Program prints it and picks the exit code
        }
        if (showProgress)
        {
            await error.WriteLineAsync();
        }
        // With -s (cron) a backup prints nothing: the journal has "snapshot NAME taken", and cron mails any output.
        if (result.SnapshotName is { } name && !arguments.Silent)
        {
            await output.WriteLineAsync(name);
        }
        foreach (var change in result.Changes)
        {
            await output.WriteLineAsync(change);
        }
        if (result.RetentionError is { } retentionFailure)
        {
            ExceptionDispatchInfo.Throw(retentionFailure); // the backup is taken; its autodecay/autoprune failed
        }
        if (!arguments.Silent)
        {
            foreach (var copy in result.Copies)
            {
                await output.WriteAsync(CopyCommand.Describe(copy));
            }
        }
        // An unreachable target is a quiet skip (notified under silent_fail_threshold); a target that failed is not.
        return result.Copies.Any(c => c.Error is not null and not Core.Copies.CopyTargetUnavailableException) ? ExitCodes.Failed : ExitCodes.Ok;
    }

    /// <summary>The one run path, recording into the state file and notifying as the daemon does.</summary>
    private BackupRunService RunService(BackupEngine engine) =>
        new(engine, Notifier, new CommandRunRecorder(arguments.StateFile ?? StateFile.LocateToRead(Environment.GetEnvironmentVariable)), Time, logger)
        {
            Observers = Metrics(engine) is { } metrics ? [Pinger, metrics] : [Pinger],
        };

    private ConfigSet? _configSet;

    /// <summary>The metrics file's writer when <c>metrics_dir</c> is set (see <see cref="MetricsObserver"/>), else null.</summary>
    private MetricsObserver? Metrics(BackupEngine engine) =>
        _configSet is { MetricsDir: not null } configSet ? new MetricsObserver(() => configSet, engine, logger) : null;

    /// <summary>ping_url's pings; its HTTP client is made on the first ping and lives as long as the command.</summary>
    private HealthPinger Pinger => _pinger ??= new HealthPinger(logger);

    private HealthPinger? _pinger;

    private DesktopNotifications Notifier => _notifier ??= new DesktopNotifications(logger) { LocalTimeZone = Time.LocalTimeZone };

    private DesktopNotifications? _notifier;

    /// <summary>Sends a test notification to each target of the section; exit 0 only when every target got it.</summary>
    private async Task<int> NotifyTestAsync(BackupConfig config, CancellationToken cancellationToken)
    {
        var results = await Notifier.SendAsync(config, Notification.Test(config.Name), cancellationToken);
        if (results.Count == 0)
        {
            await output.WriteLineAsync($"{config.Name}: no notification targets (no notify_user, notify_remote, active graphical session or DBUS_SESSION_BUS_ADDRESS)");
            return ExitCodes.Failed;
        }
        foreach (var result in results)
        {
            await output.WriteLineAsync(result.ToString());
        }
        return results.All(r => r.Delivered) ? ExitCodes.Ok : ExitCodes.Failed;
    }

    /// <summary>prune / decay: between the before_prune and after_prune hooks (not in a dry run, which runs no hook).</summary>
    private async Task<int> DeleteAsync(BackupEngine engine, BackupConfig config, bool decay, CancellationToken cancellationToken)
    {
        if (arguments.DryRun)
        {
            LogHooksNotRun(config, HookKind.BeforePrune, HookKind.AfterPrune);
            return Report(engine.PlanDeleteCandidates(config, decay));
        }
        var confirm = Confirmation();
        var (outcome, _) = await RunService(engine).DeleteAsync(config, () => decay
            ? engine.Decay(config, e => confirm($"delete {e.Name} ({AgeFormatter(e)} old; {RetentionReason.Decay(config.Retention)})?"))
            : engine.Prune(config, e => confirm($"delete {e.Name} ({AgeFormatter(e)} old; {RetentionReason.Prune(e, config.Retention)})?")), cancellationToken);
        Metrics(engine)?.Deleted(config, decay, outcome.Deleted.Count);
        Report(outcome);
        return ReportFailure(outcome) ?? ExitCodes.Ok;
    }

    private void LogHooksNotRun(BackupConfig config, params HookKind[] kinds)
    {
        foreach (var kind in kinds)
        {
            if (config.Hooks.Of(kind) is { } command)
            {
                logger.LogInformation("dry run: the {Hook} hook is not run: {Command}", kind.Key(), command);
            }
        }
    }

    private int Destroy(BackupEngine engine, BackupConfig config)
    {
        if (arguments.DryRun)
        {
            return Report(engine.PlanDestroy(config));
        }
        var confirm = Confirmation();
        var outcome = engine.Destroy(config, names => confirm($"delete all {names.Count} backups of '{config.Name}', .sync and {config.Backups}?"));
        if (outcome.Declined.Count > 0 && !arguments.Json)
        {
            output.WriteLine("nothing deleted");
            return ExitCodes.Ok;
        }
        Report(outcome);
        return ReportFailure(outcome) ?? (outcome.Skipped.Count > 0 && outcome.Declined.Count == 0 ? ExitCodes.Failed : ExitCodes.Ok);
    }

    /// <summary>A failed deletion: its message (what failed, what to do) as an error, exit 1; null when none failed.</summary>
    private int? ReportFailure(DeleteOutcome outcome)
    {
        if (outcome.Failure is not { } failure)
        {
            return null;
        }
        logger.LogError("{Message}", MessageText.Abbreviate(failure));
        return ExitCodes.Failed;
    }

    private int Clean(BackupEngine engine, BackupConfig config)
    {
        if (!arguments.DryRun)
        {
            engine.Clean(config);
            return ExitCodes.Ok;
        }
        var planned = engine.PlanClean(config);
        output.WriteLine(planned is null ? "dry run: there is no .sync; nothing to clean" : $"would delete {planned.Name} ({planned.Reason})");
        return ExitCodes.Ok;
    }

    /// <summary>Prints what was deleted, or for a dry run what would be and why; exit 0.</summary>
    private int Report(DeleteOutcome outcome)
    {
        if (arguments.Json)
        {
            output.Write(DeletePrinter.Json(outcome, arguments.DryRun));
            return ExitCodes.Ok;
        }
        output.Write(DeletePrinter.Text(outcome, arguments.DryRun));
        return ExitCodes.Ok;
    }

    private string AgeFormatter(BackupEntry entry) => Core.Time.AgeFormatter.Format(Time.GetUtcNow() - entry.Time);

    /// <summary>--yes deletes; otherwise ask on the terminal; with neither, refuse before anything is deleted.</summary>
    private Func<string, bool> Confirmation()
    {
        if (arguments.Yes)
        {
            return _ => true;
        }
        return Ask ?? throw new UsageException(
            $"'{arguments.Command}' deletes backups and there is no terminal to ask on; add --yes to delete without asking. Nothing was deleted.");
    }

    private static string Version =>
        typeof(CliApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}
