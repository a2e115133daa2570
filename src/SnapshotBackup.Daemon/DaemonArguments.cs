using SnapshotBackup.Core;

namespace SnapshotBackup.Daemon;

/// <summary>The daemon's command line.</summary>
internal sealed record DaemonArguments
{
    /// <summary>Every <c>-c</c>, in order (a later file overrides an earlier one key by key); empty: the standard search.</summary>
    public IReadOnlyList<string> ConfigPaths { get; init; } = [];
    public string? StateFile { get; init; }

    /// <summary>auto (journald under systemd, else console), journal or console.</summary>
    public string Log { get; init; } = "auto";
    public int Debug { get; init; }
    public bool Help { get; init; }
    public bool Version { get; init; }

    public const string Usage = """
        usage: snapshotbackupd [options]

        The snapshotbackup daemon: backs up every configured section on its schedule (see 'schedule' in the
        configuration), in the foreground, for systemd (Type=notify). SIGHUP reloads the configuration.

        options:
          -c, --config FILE    read FILE instead of $XDG_CONFIG_HOME/snapshotbackup.ini,
                               /etc/snapshotbackup.ini and /etc/snapshotbackup.d/*.ini;
                               repeat to read several files in order, a later one
                               overriding an earlier one key by key
              --state-file F   where to keep the state (default $STATE_DIRECTORY/state.json,
                               else /var/lib/snapshotbackup/state.json)
              --log WHERE      auto (journald under systemd, else the console), journal or console
          -d, --debug          debug logging
          -v, --version        print the version
          -h, --help           print this help

        exit codes: 0 stopped cleanly, 1 failed, 2 usage or configuration error
        """;

    public static DaemonArguments Parse(IReadOnlyList<string> args)
    {
        var result = new DaemonArguments();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string Value()
            {
                var eq = arg.IndexOf('=', StringComparison.Ordinal);
                if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 0)
                {
                    return arg[(eq + 1)..];
                }
                return i + 1 < args.Count ? args[++i] : throw new UsageException($"option {arg} needs a value");
            }
            var option = arg.StartsWith("--", StringComparison.Ordinal) && arg.Contains('=', StringComparison.Ordinal) ? arg[..arg.IndexOf('=', StringComparison.Ordinal)] : arg;
            result = option switch
            {
                "-c" or "--config" => result with { ConfigPaths = [.. result.ConfigPaths, Value()] },
                "--state-file" => result with { StateFile = Value() },
                "--log" => result with { Log = Value() is var v && v is "auto" or "journal" or "console" ? v : throw new UsageException($"--log {v}: expected auto, journal or console") },
                "-d" or "--debug" => result with { Debug = result.Debug + 1 },
                "-h" or "--help" => result with { Help = true },
                "-v" or "--version" => result with { Version = true },
                _ => throw new UsageException($"unknown argument '{arg}'; see 'snapshotbackupd --help'"),
            };
        }
        return result;
    }
}
