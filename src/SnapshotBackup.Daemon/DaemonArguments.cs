using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using SnapshotBackup.Core;

namespace SnapshotBackup.Daemon;

/// <summary>The daemon's command line, parsed by System.CommandLine (generated help; one message per usage error).</summary>
internal sealed record DaemonArguments
{
    private const string Epilogue = """
        -c FILE replaces the standard search (most important first: $XDG_CONFIG_HOME/snapshotbackup.ini,
        snapshotbackup.ini in each of $XDG_CONFIG_DIRS, /etc/snapshotbackup.d/*.ini, /etc/snapshotbackup.ini); repeat
        it to read several files in order, a later one overriding an earlier one key by key. SIGHUP reloads the configuration.

        Exit codes: 0 stopped cleanly, 1 failed, 2 usage or configuration error
        """;

    private static readonly Option<string[]> ConfigOption = new("--config", "-c")
    {
        Description = "read FILE instead of the standard search; repeat to read several files in order",
        HelpName = "FILE",
        AllowMultipleArgumentsPerToken = false,
    };

    private static readonly Option<string> StateFileOption = new("--state-file")
    {
        Description = "where to keep the state (default $STATE_DIRECTORY/state.json, else /var/lib/snapshotbackup/state.json for root, ~/.local/state/snapshotbackup/state.json for a normal user)",
        HelpName = "F",
    };

    /// <summary>Repeatable, the last one counting (a wrapper's <c>--log console</c> may be overridden further on).</summary>
    private static readonly Option<string[]> LogOption = new("--log")
    {
        Description = "auto (journald under systemd, else the console), journal or console [default: auto]",
        HelpName = "WHERE",
        AllowMultipleArgumentsPerToken = false,
        Validators =
        {
            result =>
            {
                if (result.Tokens.Select(t => t.Value).FirstOrDefault(v => v is not ("auto" or "journal" or "console")) is { } value)
                {
                    result.AddError($"--log {value}: expected auto, journal or console");
                }
            },
        },
    };

    private static readonly Option<bool> DebugOption = new("--debug", "-d") { Description = "debug logging" };
    private static readonly Option<bool> VersionOption = new("--version", "-v") { Description = "print the version" };
    private static readonly HelpOption HelpOption = new("--help", "-h") { Description = "print this help", Action = new HelpAction { MaxWidth = 100 } };

    private static readonly RootCommand Root = Build();

    /// <summary>Every <c>-c</c>, in order (a later file overrides an earlier one key by key); empty: the standard search.</summary>
    public IReadOnlyList<string> ConfigPaths { get; init; } = [];
    public string? StateFile { get; init; }

    /// <summary>auto (journald under systemd, else console), journal or console.</summary>
    public string Log { get; init; } = "auto";
    public int Debug { get; init; }
    public bool Help { get; init; }
    public bool Version { get; init; }

    /// <summary>Parses; throws <see cref="UsageException"/> with one clear message.</summary>
    public static DaemonArguments Parse(IReadOnlyList<string> args)
    {
        var result = Root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        var help = result.GetResult(HelpOption) is not null;
        if (result.UnmatchedTokens.Count > 0)
        {
            throw new UsageException($"unknown argument '{result.UnmatchedTokens[0]}'; see 'snapshotbackupd --help'");
        }
        if (result.Errors.Select(e => e.SymbolResult).OfType<OptionResult>().FirstOrDefault(o => o.Tokens.Count == 0 && !o.Implicit && o.Option.Arity.MinimumNumberOfValues > 0) is { } missing)
        {
            throw new UsageException($"option {missing.IdentifierToken?.Value ?? missing.Option.Name} needs a value");
        }
        if (!help && result.Errors.Count > 0)
        {
            throw new UsageException(result.Errors[0].Message);
        }
        return new DaemonArguments
        {
            ConfigPaths = result.GetValue(ConfigOption) ?? [],
            StateFile = result.GetValue(StateFileOption),
            Log = result.GetValue(LogOption) is [.., var log] ? log : "auto",
            Debug = result.GetResult(DebugOption)?.IdentifierTokenCount ?? 0,
            Help = help,
            Version = result.GetValue(VersionOption),
        };
    }

    /// <summary>The generated help, with the exit codes.</summary>
    public static void WriteHelp(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        Root.Parse(["--help"]).Invoke(new InvocationConfiguration { Output = output, Error = output, EnableDefaultExceptionHandler = false });
        output.WriteLine(Epilogue);
    }

    private static RootCommand Build()
    {
        var root = new RootCommand("The snapshotbackup daemon: backs up every configured section on its schedule (see 'schedule' in the configuration), in the foreground, for systemd (Type=notify).");
        root.Options.Clear(); // the default --help and --version: ours take -h and -v
        root.Directives.Clear();
        foreach (var option in new Option[] { ConfigOption, StateFileOption, LogOption, DebugOption, VersionOption, HelpOption })
        {
            root.Options.Add(option);
        }
        root.SetAction(_ => ExitCodes.Ok);
        return root;
    }
}
