using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using SnapshotBackup.Core;

namespace SnapshotBackup.Cli;

/// <summary>
/// The command line as System.CommandLine subcommands: the global options (-c, -d, -s, --yes, -v, -h) on the root and
/// recursive; each command with the options it takes (visible in its generated help) and the other command options
/// hidden, so that giving one is a clear "does not take" error rather than an unknown option. Two things are ours:
/// the command word is moved to the front before parsing, so options may also stand before it; and parse errors
/// become one message in our words (<see cref="UsageException"/>, exit 2).
/// </summary>
public static class CliCommandLine
{
    /// <summary>The options that one command or another takes: long name, aliases, value name (null: a flag), help.</summary>
    private static readonly (string Name, string[] Aliases, string? Value, string Help)[] CommandOptionSpecs =
    [
        ("--progress", ["-p"], null, "show rsync's overall progress"),
        ("--checksum", [], null, "compare files by checksum, not size and time"),
        ("--source", [], "PATH", "back up PATH instead of the configured source"),
        ("--dry-run", ["-n"], null, "change nothing: say what would be created, changed or deleted"),
        ("--state-file", [], "F", "the daemon's state file (default $STATE_DIRECTORY/state.json, else /var/lib/snapshotbackup/state.json; for a normal user ~/.local/state/snapshotbackup/state.json when it exists); for backup, its last success counts for silent_fail_threshold when the volume cannot be read"),
        ("--json", [], null, "JSON output"),
        ("--from", [], "SNAPSHOT", "restore from SNAPSHOT: its name or a prefix of it that only one snapshot has (default: the newest)"),
        ("--at", [], "WHEN", "restore: from the newest snapshot at or before WHEN; plan: as of WHEN. WHEN: '2 days ago', 'yesterday', 2026-11-30 (midnight at its start), 2026-11-30T18:00; for plan also 'in 3 months'"),
        ("--to", [], "DIR", "restore: into DIR instead of the source (no backup of the source is taken); copy: only to TARGET, one of copy_to"),
        ("--from-copy", [], "TARGET", "restore from the copies on TARGET (one of copy_to), for when the backups disk is gone"),
        ("--no-backup-first", [], null, "emergency only: restore into the source without first backing it up, so what the restore overwrites or deletes cannot be got back"),
        ("--delete", [], null, "also delete files under the restored paths that did not exist in the snapshot"),
        ("--stat", [], null, "the summary alone: counts and bytes"),
        ("--note", [], "TEXT", "pin: why the snapshot is pinned, shown by list (pinning again replaces it)"),
    ];

    private static readonly (string Name, string[] Aliases, string Help)[] CommandSpecs =
    [
        ("setup", ["s"], "create the backups directory (mkdir -p; must be on btrfs)"),
        ("backup", ["b"], "back up the source into .sync, then snapshot it read-only; then decay / prune if autodecay / autoprune"),
        ("list", ["l"], "list backups with their retention status"),
        ("plan", [], "for every snapshot: keep or delete, the retention rule that decides it, and when that changes"),
        ("prune", ["p"], "delete prune candidates (asks per backup unless --yes)"),
        ("decay", ["d"], "delete backups older than 'decay' (asks per backup unless --yes)"),
        ("destroy", [], "delete every backup, .sync and the backups directory (asks once unless --yes)"),
        ("clean", [], "delete the .sync working subvolume"),
        ("status", [], "each configured backup (or NAME): the daemon's state and the newest snapshot on its volume"),
        ("notify-test", [], "send a test notification to NAME's notification targets"),
        ("restore", [], "restore PATH... (as in the source) from a snapshot into the source, after backing the source up, or --to DIR"),
        ("versions", [], "the distinct versions of PATH (as in the source) across the snapshots"),
        ("diff", [], "what changed from snapshot A to snapshot B, or to the source when B is omitted"),
        ("pin", [], "pin SNAPSHOT: prune and decay never delete it (the pin is kept on the volume, in .pins.json)"),
        ("unpin", [], "remove the pin of SNAPSHOT: prune and decay may delete it again"),
        ("copy", [], "send the snapshots that copy_to targets lack (btrfs send/receive, incremental), then apply their retention"),
    ];

    /// <summary>The commands that take more than the backup name, with the name of those arguments in their help.</summary>
    private static readonly Dictionary<string, (string Name, string Help)> MoreArguments = new(StringComparer.Ordinal)
    {
        ["restore"] = ("PATH", "files or directories to restore, as paths in the source (absolute, or relative to the source's top)"),
        ["versions"] = ("PATH", "a file or directory, as a path in the source (absolute, or relative to the source's top)"),
        ["diff"] = ("SNAPSHOT", "A, then optionally B: a snapshot's name or a prefix of it that only one snapshot has"),
        ["pin"] = ("SNAPSHOT", "the snapshot's full name, as list shows it"),
        ["unpin"] = ("SNAPSHOT", "the snapshot's full name, as list shows it"),
    };

    private const string Epilogue = """
        Options may stand anywhere on the line; a command refuses an option it does not take (exit 2).
        -c FILE replaces the standard search (most important first: $XDG_CONFIG_HOME/snapshotbackup.ini,
        snapshotbackup.ini in each of $XDG_CONFIG_DIRS, /etc/snapshotbackup.d/*.ini, /etc/snapshotbackup.ini); repeat
        it to read several files in order, a later one overriding an earlier one key by key.

        serve --copies DIR: the ssh forced command of a remote copy target (see the README, "Copies over ssh").

        Exit codes: 0 ok, 1 operation failed, 2 usage or configuration error, 75 volume locked,
                    65 status: the daemon's state file is unreadable or corrupt
        """;

    private static readonly ParserConfiguration Configuration = new()
    {
        // "@name" is a backup name or a path, never a response file to expand.
        ResponseFileTokenReplacer = null,
        // -dd is -d -d.
        EnablePosixBundling = true,
    };

    /// <summary>Command names and the original tool's one-letter aliases.</summary>
    public static IReadOnlyDictionary<string, string> Commands { get; } = CommandSpecs
        .SelectMany(c => c.Aliases.Prepend(c.Name).Select(alias => (alias, c.Name)))
        .ToDictionary(p => p.alias, p => p.Name, StringComparer.Ordinal);

    /// <summary>
    /// The options each command takes besides the global ones (-c, -d, -s, --yes, -h, -v). Any other option is refused with exit 2
    /// rather than ignored: <c>list --dry-run</c> or <c>prune --checksum</c> would otherwise look as if they did something.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlySet<string>> CommandOptions { get; } = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal)
    {
        ["setup"] = new HashSet<string> { "--dry-run" },
        // --state-file: when the volume cannot be read, the daemon's record of the last success decides whether a
        // failure is within silent_fail_threshold (see Runs/LastSuccess).
        ["backup"] = new HashSet<string> { "--progress", "--checksum", "--source", "--dry-run", "--state-file" },
        ["list"] = new HashSet<string> { "--json" },
        ["plan"] = new HashSet<string> { "--json", "--at" },
        ["prune"] = new HashSet<string> { "--dry-run", "--json" },
        ["decay"] = new HashSet<string> { "--dry-run", "--json" },
        ["destroy"] = new HashSet<string> { "--dry-run", "--json" },
        ["clean"] = new HashSet<string> { "--dry-run" },
        ["status"] = new HashSet<string> { "--json", "--state-file" },
        ["notify-test"] = new HashSet<string>(),
        ["restore"] = new HashSet<string> { "--from", "--at", "--to", "--from-copy", "--no-backup-first", "--delete", "--dry-run" },
        ["versions"] = new HashSet<string> { "--json" },
        ["diff"] = new HashSet<string> { "--json", "--stat" },
        ["copy"] = new HashSet<string> { "--to", "--dry-run" },
        ["pin"] = new HashSet<string> { "--note", "--dry-run" },
        ["unpin"] = new HashSet<string> { "--dry-run" },
    };

    private static readonly Option<string[]> ConfigOption = new("--config", "-c")
    {
        Description = "read FILE instead of the standard search; repeat to read several files in order",
        HelpName = "FILE",
        Recursive = true,
        AllowMultipleArgumentsPerToken = false,
    };

    private static readonly Option<bool> DebugOption = new("--debug", "-d") { Description = "more output (repeat for more: -dd)", Recursive = true };
    private static readonly Option<bool> SilentOption = new("--silent", "-s")
    {
        Description = "log to the systemd journal instead of the terminal (cron); without a journal, warnings and errors stay on stderr",
        Recursive = true,
    };

    private static readonly Option<bool> YesOption = new("--yes", "-y") { Description = "prune, decay, destroy and restore go ahead without asking (the other commands never ask)", Recursive = true };
    private static readonly Option<bool> VersionOption = new("--version", "-v") { Description = "print the version", Recursive = true };
    private static readonly HelpOption HelpOption = new("--help", "-h") { Description = "print this help (of a command: COMMAND --help)", Action = new HelpAction { MaxWidth = 100 } };

    private static readonly RootCommand Root = Build();

    /// <summary>Parses; throws <see cref="UsageException"/> with one clear message.</summary>
    public static CliArguments Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var result = Root.Parse(CommandFirst(args), Configuration);
        var options = args.TakeWhile(a => a != "--").ToHashSet(StringComparer.Ordinal);
        var command = result.CommandResult.Command;
        var chosen = command == Root ? null : command.Name;
        var help = result.GetResult(HelpOption) is not null;
        if (FirstError(result, chosen, help, options) is { } message)
        {
            throw new UsageException(message);
        }
        var name = command.Arguments.Count > 0 ? result.GetValue((Argument<string?>)command.Arguments[0]) : null;
        var more = command.Arguments.Count > 1 ? result.GetValue((Argument<string[]>)command.Arguments[1]) ?? [] : [];
        return new CliArguments
        {
            Command = chosen,
            Name = name,
            ConfigPaths = result.GetValue(ConfigOption) ?? [],
            Debug = result.GetResult(DebugOption)?.IdentifierTokenCount ?? 0,
            Silent = result.GetValue(SilentOption),
            Yes = result.GetValue(YesOption),
            Version = result.GetValue(VersionOption),
            Help = help,
            Progress = Flag(result, command, "--progress"),
            Checksum = Flag(result, command, "--checksum"),
            DryRun = Flag(result, command, "--dry-run"),
            Json = Flag(result, command, "--json"),
            Source = Value(result, command, "--source"),
            StateFile = Value(result, command, "--state-file"),
            Paths = more,
            From = Value(result, command, "--from"),
            At = Value(result, command, "--at"),
            To = Value(result, command, "--to"),
            FromCopy = Value(result, command, "--from-copy"),
            NoBackupFirst = Flag(result, command, "--no-backup-first"),
            Delete = Flag(result, command, "--delete"),
            Stat = Flag(result, command, "--stat"),
            Note = Value(result, command, "--note"),
        };
    }

    /// <summary>The generated help of <paramref name="command"/> (null: the whole program), with the exit codes.</summary>
    public static void WriteHelp(string? command, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        Root.Parse(command is null ? ["--help"] : [command, "--help"], Configuration)
            .Invoke(new InvocationConfiguration { Output = output, Error = output, EnableDefaultExceptionHandler = false });
        output.WriteLine(Epilogue);
    }

    private static RootCommand Build()
    {
        var root = new RootCommand("Incremental backups with rsync onto btrfs; each finished backup is a read-only snapshot. NAME is a section of the configuration.");
        root.Options.Clear(); // the default --help and --version: ours take -h and -v and may stand anywhere
        root.Directives.Clear(); // no [suggest] or [diagram]
        root.SetAction(_ => ExitCodes.Usage); // no command is not a parse error: CliApp says "no command given" (or prints help or the version)
        foreach (var option in new Option[] { ConfigOption, DebugOption, SilentOption, YesOption, VersionOption, HelpOption })
        {
            root.Options.Add(option);
        }
        // Without a command a command option is no error of its own: "no command given" says what is wrong.
        AddCommandOptions(root, new HashSet<string>());
        foreach (var (name, aliases, description) in CommandSpecs)
        {
            var command = new Command(name, description);
            foreach (var alias in aliases)
            {
                command.Aliases.Add(alias);
            }
            command.Arguments.Add(new Argument<string?>("NAME")
            {
                Description = name == "status" ? "one backup (default: all)" : "the backup: a section of the configuration",
                Arity = ArgumentArity.ZeroOrOne,
            });
            if (MoreArguments.TryGetValue(name, out var more))
            {
                // Zero or more here; the command says which count it needs in its own words.
                command.Arguments.Add(new Argument<string[]>(more.Name) { Description = more.Help, Arity = ArgumentArity.ZeroOrMore });
            }
            AddCommandOptions(command, CommandOptions[name]);
            command.Validators.Add(RefuseForeignOptions);
            root.Subcommands.Add(command);
        }
        return root;
    }

    /// <summary>Every command option, hidden where <paramref name="takes"/> does not list it.</summary>
    private static void AddCommandOptions(Command command, IReadOnlySet<string> takes)
    {
        foreach (var (name, aliases, value, help) in CommandOptionSpecs)
        {
            Option option = value is null
                ? new Option<bool>(name, aliases) { Description = help }
                : new Option<string>(name, aliases) { Description = help, HelpName = value };
            option.Hidden = !takes.Contains(name);
            command.Options.Add(option);
        }
    }

    private static void RefuseForeignOptions(CommandResult result)
    {
        var name = result.Command.Name;
        if (result.Children.OfType<OptionResult>().FirstOrDefault(o => o.Option.Hidden && !o.Implicit) is not { } foreign)
        {
            return;
        }
        var allowed = CommandOptions[name];
        var option = foreign.Option.Name;
        result.AddError(option == "--dry-run"
            ? $"'{name}' does not take --dry-run: it changes nothing, so there is nothing to leave undone"
            : $"'{name}' does not take {option}" + (allowed.Count == 0
                ? "; it takes no options besides -c, -d, -s and --yes"
                : $"; its options: {string.Join(", ", allowed.Order(StringComparer.Ordinal))}"));
    }

    /// <summary>
    /// The first usage error, in the order a reader fixes them: an unknown option, an option without its value, an
    /// unknown command, an extra argument, then the rest (an option the command does not take). With --help only the
    /// first four count.
    /// </summary>
    private static string? FirstError(ParseResult result, string? command, bool help, HashSet<string> beforeDoubleDash)
    {
        var unmatched = result.UnmatchedTokens;
        if (unmatched.FirstOrDefault(t => t.Length > 1 && t[0] == '-' && beforeDoubleDash.Contains(t)) is { } unknown)
        {
            return $"unknown option '{unknown}'; see 'snapshotbackup --help'";
        }
        if (result.Errors.Select(e => e.SymbolResult).OfType<OptionResult>().FirstOrDefault(o => o.Tokens.Count == 0 && o.Option.Arity.MinimumNumberOfValues > 0) is { } missing)
        {
            return $"option {missing.IdentifierToken?.Value ?? missing.Option.Name} needs a value";
        }
        if (unmatched.Count > 0)
        {
            return command is null
                ? $"unknown command '{unmatched[0]}'; commands: {string.Join(", ", CommandSpecs.Select(c => c.Name))}"
                : $"unexpected argument '{unmatched[0]}'; '{command}' takes " + (MoreArguments.ContainsKey(command) ? "no more arguments" : "one backup name");
        }
        return help || result.Errors.Count == 0 ? null : result.Errors[0].Message;
    }

    /// <summary>
    /// The arguments with the command word first, so that options may stand before it (<c>--json list data1</c>):
    /// System.CommandLine reads a command's options only after the command. Values of options are skipped, so
    /// <c>-c list list x</c> reads the file "list".
    /// </summary>
    private static string[] CommandFirst(IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "--")
            {
                return i + 1 < args.Count && Commands.ContainsKey(args[i + 1]) ? Move(args, i + 1) : [.. args];
            }
            if (arg.Length > 1 && arg[0] == '-')
            {
                if (TakesValue(arg))
                {
                    i++;
                }
                continue;
            }
            return Commands.ContainsKey(arg) ? Move(args, i) : [.. args];
        }
        return [.. args];
    }

    private static string[] Move(IReadOnlyList<string> args, int index) => [args[index], .. args.Take(index), .. args.Skip(index + 1)];

    /// <summary>An option token whose value is the next argument: -c, --config, one with a value (--source, --note, ...), or a bundle ending in c.</summary>
    private static bool TakesValue(string arg)
    {
        if (arg.Contains('=', StringComparison.Ordinal))
        {
            return false;
        }
        if (arg[1] != '-')
        {
            return arg[^1] == 'c' && arg.Skip(1).All(char.IsAsciiLetter);
        }
        return arg is "--config" || CommandOptionSpecs.Any(o => o.Value is not null && o.Name == arg);
    }

    private static bool Flag(ParseResult result, Command command, string name) =>
        command.Options.FirstOrDefault(o => o.Name == name) is Option<bool> option && result.GetValue(option);

    /// <summary>
    /// The option's value; null when it is absent or was given without a value (only possible with --help, which
    /// reports no parse error: help is printed and the value is never used).
    /// </summary>
    private static string? Value(ParseResult result, Command command, string name) =>
        command.Options.FirstOrDefault(o => o.Name == name) is Option<string> option && result.GetResult(option) is { Tokens.Count: > 0 }
            ? result.GetValue(option)
            : null;
}
