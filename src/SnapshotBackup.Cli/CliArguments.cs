using SnapshotBackup.Core;

namespace SnapshotBackup.Cli;

/// <summary>The parsed command line. Options may stand anywhere on the line, before or after the command.</summary>
public sealed record CliArguments
{
    public string? Command { get; init; }
    public string? Name { get; init; }
    /// <summary>Every <c>-c</c>, in order: read one after the other, a later file overriding an earlier one key by key.</summary>
    public IReadOnlyList<string> ConfigPaths { get; init; } = [];

    public int Debug { get; init; }
    public bool Progress { get; init; }
    public bool Checksum { get; init; }
    public bool DryRun { get; init; }
    public string? Source { get; init; }
    public string? StateFile { get; init; }
    public bool Yes { get; init; }
    public bool Json { get; init; }
    public bool Version { get; init; }
    public bool Help { get; init; }

    /// <summary>Command names and the original tool's one-letter aliases.</summary>
    public static IReadOnlyDictionary<string, string> Commands { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["setup"] = "setup",
        ["s"] = "setup",
        ["backup"] = "backup",
        ["b"] = "backup",
        ["list"] = "list",
        ["l"] = "list",
        ["prune"] = "prune",
        ["p"] = "prune",
        ["decay"] = "decay",
        ["d"] = "decay",
        ["destroy"] = "destroy",
        ["clean"] = "clean",
        ["status"] = "status",
        ["notify-test"] = "notify-test",
    };

    /// <summary>
    /// The options each command takes besides the global ones (-c, -d, --yes, -h, -v). Any other option is refused with exit 2
    /// rather than ignored: <c>list --dry-run</c> or <c>prune --checksum</c> would otherwise look as if they did something.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlySet<string>> CommandOptions { get; } = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal)
    {
        ["setup"] = new HashSet<string> { "--dry-run" },
        // --state-file: when the volume cannot be read, the daemon's record of the last success decides whether a
        // failure is within silent_fail_threshold (see DesktopNotifications.LastSuccess).
        ["backup"] = new HashSet<string> { "--progress", "--checksum", "--source", "--dry-run", "--state-file" },
        ["list"] = new HashSet<string> { "--json" },
        ["prune"] = new HashSet<string> { "--dry-run", "--json" },
        ["decay"] = new HashSet<string> { "--dry-run", "--json" },
        ["destroy"] = new HashSet<string> { "--dry-run", "--json" },
        ["clean"] = new HashSet<string> { "--dry-run" },
        ["status"] = new HashSet<string> { "--json", "--state-file" },
        ["notify-test"] = new HashSet<string>(),
    };

    /// <summary>Parses; throws <see cref="UsageException"/> with one clear message.</summary>
    public static CliArguments Parse(IReadOnlyList<string> args)
    {
        var result = new CliArguments();
        // The command options given, by their long names, for the per-command check.
        var options = new HashSet<string>(StringComparer.Ordinal);
        var positional = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string Value(string option)
            {
                var eq = arg.IndexOf('=', StringComparison.Ordinal);
                if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 0)
                {
                    return arg[(eq + 1)..];
                }
                if (i + 1 >= args.Count)
                {
                    throw new UsageException($"option {option} needs a value");
                }
                return args[++i];
            }
            var option = arg.StartsWith("--", StringComparison.Ordinal) && arg.Contains('=', StringComparison.Ordinal)
                ? arg[..arg.IndexOf('=', StringComparison.Ordinal)]
                : arg;
            switch (option)
            {
                case "--":
                    positional.AddRange(args.Skip(i + 1));
                    i = args.Count;
                    break;
                case "-c" or "--config":
                    result = result with { ConfigPaths = [.. result.ConfigPaths, Value(option)] };
                    break;
                case "--state-file":
                    result = result with { StateFile = Value(option) };
                    options.Add("--state-file");
                    break;
                case "--source":
                    result = result with { Source = Value(option) };
                    options.Add("--source");
                    break;
                case "-d" or "--debug":
                    result = result with { Debug = result.Debug + 1 };
                    break;
                case "-p" or "--progress":
                    result = result with { Progress = true };
                    options.Add("--progress");
                    break;
                case "--checksum":
                    result = result with { Checksum = true };
                    options.Add("--checksum");
                    break;
                case "--dry-run" or "-n":
                    result = result with { DryRun = true };
                    options.Add("--dry-run");
                    break;
                case "--yes" or "-y":
                    // Global: scripts pass --yes to every command; those that never ask have nothing to skip.
                    result = result with { Yes = true };
                    break;
                case "--json":
                    result = result with { Json = true };
                    options.Add("--json");
                    break;
                case "-v" or "--version":
                    result = result with { Version = true };
                    break;
                case "-h" or "--help":
                    result = result with { Help = true };
                    break;
                default:
                    if (arg.Length > 2 && arg[0] == '-' && arg[1] != '-' && arg.Skip(1).All(c => c == 'd'))
                    {
                        result = result with { Debug = result.Debug + arg.Length - 1 };
                    }
                    else if (arg.StartsWith('-') && arg.Length > 1)
                    {
                        throw new UsageException($"unknown option '{arg}'; see 'snapshotbackup --help'");
                    }
                    else
                    {
                        positional.Add(arg);
                    }
                    break;
            }
        }
        if (positional.Count > 0)
        {
            if (!Commands.TryGetValue(positional[0], out var command))
            {
                throw new UsageException($"unknown command '{positional[0]}'; commands: setup, backup, list, prune, decay, destroy, clean, status, notify-test");
            }
            result = result with { Command = command };
        }
        if (positional.Count > 1)
        {
            result = result with { Name = positional[1] };
        }
        if (positional.Count > 2)
        {
            throw new UsageException($"unexpected argument '{positional[2]}'; each command takes one backup name");
        }
        if (result.Command is { } chosen && !result.Help && options.FirstOrDefault(o => !CommandOptions[chosen].Contains(o)) is { } foreign)
        {
            var allowed = CommandOptions[chosen];
            throw new UsageException(foreign == "--dry-run"
                ? $"'{chosen}' does not take --dry-run: it changes nothing, so there is nothing to leave undone"
                : $"'{chosen}' does not take {foreign}" + (allowed.Count == 0
                    ? "; it takes no options besides -c, -d and --yes"
                    : $"; its options: {string.Join(", ", allowed.Order(StringComparer.Ordinal))}"));
        }
        return result;
    }
}
