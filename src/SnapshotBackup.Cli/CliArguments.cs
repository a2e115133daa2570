using SnapshotBackup.Core;

namespace SnapshotBackup.Cli;

/// <summary>The parsed command line (<see cref="CliCommandLine"/>). Options may stand anywhere on the line, before or after the command.</summary>
public sealed record CliArguments
{
    public string? Command { get; init; }
    public string? Name { get; init; }
    /// <summary>Every <c>-c</c>, in order: read one after the other, a later file overriding an earlier one key by key.</summary>
    public IReadOnlyList<string> ConfigPaths { get; init; } = [];

    public int Debug { get; init; }
    /// <summary><c>-s</c>: log lines go to the systemd journal, not the terminal (<see cref="JournalLogger"/>).</summary>
    public bool Silent { get; init; }
    public bool Progress { get; init; }
    public bool Checksum { get; init; }
    public bool DryRun { get; init; }
    public string? Source { get; init; }
    public string? StateFile { get; init; }
    public bool Yes { get; init; }

    /// <summary>The arguments after the name: restore's and versions' PATHs, diff's snapshots A and B, pin's and unpin's SNAPSHOT.</summary>
    public IReadOnlyList<string> Paths { get; init; } = [];

    /// <summary>restore: <c>--from SNAPSHOT</c> (a name or a unique prefix).</summary>
    public string? From { get; init; }

    /// <summary>restore: <c>--at WHEN</c> (the newest snapshot at or before WHEN).</summary>
    public string? At { get; init; }

    /// <summary>restore: <c>--to DIR</c> instead of the source.</summary>
    public string? To { get; init; }

    /// <summary><c>restore --from-copy TARGET</c>: restore from the copies on one of the copy_to targets.</summary>
    public string? FromCopy { get; init; }

    /// <summary><c>pin --note TEXT</c>: why the snapshot is pinned.</summary>
    public string? Note { get; init; }

    public bool NoBackupFirst { get; init; }
    public bool Delete { get; init; }
    public bool Stat { get; init; }
    public bool Json { get; init; }
    public bool Version { get; init; }
    public bool Help { get; init; }

    /// <summary>Command names and the original tool's one-letter aliases.</summary>
    public static IReadOnlyDictionary<string, string> Commands => CliCommandLine.Commands;

    /// <summary>The options each command takes besides the global ones (see <see cref="CliCommandLine.CommandOptions"/>).</summary>
    public static IReadOnlyDictionary<string, IReadOnlySet<string>> CommandOptions => CliCommandLine.CommandOptions;

    /// <summary>Parses with <see cref="CliCommandLine"/>; throws <see cref="UsageException"/> with one clear message.</summary>
    public static CliArguments Parse(IReadOnlyList<string> args) => CliCommandLine.Parse(args);
}
