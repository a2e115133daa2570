using System.Globalization;
using System.Text;
using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Core.Processes;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Core.Copies;

/// <summary>One request to <c>snapshotbackup serve --copies DIR</c>: the directory, the verb and its arguments.</summary>
public sealed record CopyRequest(string Directory, string Verb, IReadOnlyList<string> Arguments);

/// <summary>
/// The copy protocol between <see cref="RemoteCopyDestination"/> and <see cref="CopyServer"/>, both sides in one place:
/// every request is the ssh command <c>snapshotbackup serve --copies 'DIR' VERB [ARG...]</c>, one verb per ssh
/// connection; answers are lines of text on standard output, errors one message on standard error with an exit code
/// (<see cref="ExitRefused"/>, <see cref="ExitUnavailable"/>, 1 for a failure, 75 locked).
/// <list type="bullet">
/// <item><c>hello</c>: <c>snapshotbackup-copies PROTOCOL</c>, <c>version X.Y.Z</c>, <c>send-protocol N</c> (the highest
/// btrfs send stream version this host's kernel and btrfs-progs handle).</item>
/// <item><c>clean [--dry-run]</c>: connects to the directory (lock, btrfs) and deletes what cut receives left in
/// <c>.incoming</c>; one name per line.</item>
/// <item><c>list</c>: one <see cref="FormatEntry">entry line</see> per timestamp-named entry, oldest first.</item>
/// <item><c>receive NAME UUID</c>: standard input is the send stream of NAME, whose copy must have received_uuid UUID;
/// answers the entry line of the published copy.</item>
/// <item><c>delete NAME</c>: deletes the finished copy NAME.</item>
/// <item><c>df</c>: the free bytes of the directory's filesystem, or <c>-</c>.</item>
/// </list>
/// </summary>
public static class CopyProtocol
{
    /// <summary>Changes whenever a verb, an argument or an answer changes; both ends must speak the same.</summary>
    public const int Version = 1;

    public const string Program = "snapshotbackup";
    public const string Command = "serve";
    public const string CopiesOption = "--copies";
    public const string HelloMagic = "snapshotbackup-copies";
    public const string DryRunArgument = "--dry-run";

    /// <summary>The request was refused (not a request we serve): nothing changed.</summary>
    public const int ExitRefused = ExitCodes.Usage;

    /// <summary>The directory cannot be used now (its disk is not mounted): the client's quiet skip.</summary>
    public const int ExitUnavailable = 69;

    public static readonly IReadOnlySet<string> Verbs = new HashSet<string>(StringComparer.Ordinal) { "hello", "clean", "list", "receive", "delete", "df" };

    /// <summary>The remote command string ssh sends (its words quoted for the remote shell).</summary>
    public static string RemoteCommand(string directory, string verb, params string[] arguments) =>
        string.Join(' ', new[] { Program, Command, CopiesOption, ShellQuoting.Quote(directory), verb }
            .Concat(arguments.Select(ShellQuoting.QuoteIfNeeded)));

    /// <summary>
    /// Splits <c>SSH_ORIGINAL_COMMAND</c> into words as a POSIX shell would, accepting only what <see cref="RemoteCommand"/>
    /// writes: words of plain characters, single-quoted parts and <c>\'</c>, separated by single spaces. Anything a
    /// shell would treat specially outside quotes (<c>; | &amp; $ ` ( ) &lt; &gt; * ? " \</c>, newlines, ...) is refused.
    /// </summary>
    public static bool TryParseWords(string text, out List<string> words, out string error)
    {
        ArgumentNullException.ThrowIfNull(text);
        words = [];
        error = string.Empty;
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == ' ')
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
                continue;
            }
            inWord = true;
            if (c == '\'')
            {
                var end = text.IndexOf('\'', i + 1);
                if (end < 0)
                {
                    error = "an unterminated quote";
                    return false;
                }
                word.Append(text, i + 1, end - i - 1);
                i = end;
            }
            else if (c == '\\' && i + 1 < text.Length && text[i + 1] == '\'')
            {
                word.Append('\'');
                i++;
            }
            else if (IsPlain(c))
            {
                word.Append(c);
            }
            else
            {
                error = $"the shell character '{(char.IsControl(c) ? "\\x" + ((int)c).ToString("x2", CultureInfo.InvariantCulture) : c.ToString())}'";
                return false;
            }
        }
        if (inWord)
        {
            words.Add(word.ToString());
        }
        return true;
    }

    private static bool IsPlain(char c) => char.IsAsciiLetterOrDigit(c) || "-_./=:@,+%".Contains(c, StringComparison.Ordinal);

    /// <summary>
    /// Checks a request's verb and arguments: a known verb, exactly its arguments, names that are timestamp names, a
    /// uuid that is one. Null when fine, else why not.
    /// </summary>
    public static string? CheckArguments(string verb, IReadOnlyList<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        if (!Verbs.Contains(verb))
        {
            return $"unknown request '{Printable(verb)}'";
        }
        var expected = verb switch
        {
            "receive" => 2,
            "delete" => 1,
            "clean" => arguments.Count == 1 ? 1 : 0,
            _ => 0,
        };
        if (arguments.Count != expected)
        {
            return $"'{verb}' takes {expected} argument(s), got {arguments.Count}";
        }
        if (verb == "clean" && arguments.Count == 1 && arguments[0] != DryRunArgument)
        {
            return $"'clean' takes only {DryRunArgument}";
        }
        if (verb is "receive" or "delete" && !SnapshotName.TryParse(arguments[0], out _))
        {
            return $"'{Printable(arguments[0])}' is not a snapshot name";
        }
        if (verb == "receive" && !TryParseUuid(arguments[1], out _))
        {
            return $"'{Printable(arguments[1])}' is not a uuid";
        }
        return null;
    }

    public static bool TryParseUuid(string text, out Guid uuid) =>
        Guid.TryParseExact(text, "D", out uuid) && uuid != Guid.Empty;

    public static string FormatUuid(Guid uuid) => uuid.ToString("D", CultureInfo.InvariantCulture);

    /// <summary>For messages: control characters shown as <c>?</c>, at most 80 characters.</summary>
    public static string Printable(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var clean = new string(text.Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return clean.Length > 80 ? clean[..80] + "..." : clean;
    }

    /// <summary>The hello answer.</summary>
    public static string FormatHello(string productVersion, int sendProtocol) =>
        $"{HelloMagic} {Version.ToString(CultureInfo.InvariantCulture)}\nversion {productVersion}\nsend-protocol {sendProtocol.ToString(CultureInfo.InvariantCulture)}\n";

    /// <summary>Reads a hello answer; null when it is not one (another program answered).</summary>
    public static RemoteHello? ParseHello(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int? protocol = null;
        string? version = null;
        var send = 1;
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space < 0)
            {
                continue;
            }
            var (key, value) = (line[..space], line[(space + 1)..]);
            switch (key)
            {
                case HelloMagic when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var p):
                    protocol = p;
                    break;
                case "version":
                    version = value;
                    break;
                case "send-protocol" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var s):
                    send = s;
                    break;
            }
        }
        return protocol is { } found ? new RemoteHello(found, version ?? "unknown", send) : null;
    }

    /// <summary>
    /// One entry as a line: <c>NAME KIND UUID RECEIVED_UUID PARENT_UUID ro|rw GENERATION</c>, tab-separated, the identity
    /// fields <c>-</c> for what is not a subvolume.
    /// </summary>
    public static string FormatEntry(CopyEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var fields = new List<string> { entry.Name, entry.Kind.ToString() };
        if (entry.Identity is { } id)
        {
            fields.AddRange([FormatUuid(id.Uuid), FormatUuid(id.ReceivedUuid), FormatUuid(id.ParentUuid), id.ReadOnly ? "ro" : "rw",
                id.Generation.ToString(CultureInfo.InvariantCulture)]);
        }
        else
        {
            fields.AddRange(["-", "-", "-", "-", "-"]);
        }
        return string.Join('\t', fields);
    }

    /// <summary>Reads an entry line; throws <see cref="FormatException"/> for anything else.</summary>
    public static CopyEntry ParseEntry(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var fields = line.Split('\t');
        if (fields.Length != 7 || !SnapshotName.TryParse(fields[0], out var time)
            || !Enum.TryParse<SubvolumeKind>(fields[1], ignoreCase: false, out var kind) || !Enum.IsDefined(kind))
        {
            throw new FormatException($"not an entry line: '{Printable(line)}'");
        }
        if (fields[2] == "-")
        {
            return new CopyEntry(fields[0], time, kind, null);
        }
        if (!Guid.TryParseExact(fields[2], "D", out var uuid) || !Guid.TryParseExact(fields[3], "D", out var received)
            || !Guid.TryParseExact(fields[4], "D", out var parent) || fields[5] is not ("ro" or "rw")
            || !ulong.TryParse(fields[6], NumberStyles.None, CultureInfo.InvariantCulture, out var generation))
        {
            throw new FormatException($"not an entry line: '{Printable(line)}'");
        }
        return new CopyEntry(fields[0], time, kind, new SubvolumeIdentity(uuid, received, parent, fields[5] == "ro", generation));
    }
}

/// <summary>What <c>serve</c> said to <c>hello</c>.</summary>
public sealed record RemoteHello(int Protocol, string ProductVersion, int SendProtocol);
