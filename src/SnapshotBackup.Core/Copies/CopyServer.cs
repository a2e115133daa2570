using System.Text;
using SnapshotBackup.Core.Engine;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Core.Copies;

/// <summary>
/// <c>snapshotbackup serve --copies DIR</c>: the remote end of a copy target, meant as the forced command of the
/// sending host's key in root's <c>authorized_keys</c> (<c>command="snapshotbackup serve --copies DIR",restrict ...</c>).
/// The request comes from <c>SSH_ORIGINAL_COMMAND</c> (sshd sets it under a forced command) or, with an unrestricted
/// key whose command the remote shell ran, from the arguments after DIR; either way it must be
/// <c>snapshotbackup serve --copies DIR VERB [ARG...]</c> (see <see cref="CopyProtocol"/>) with DIR the forced one.
/// Anything else is refused with one message on standard error and exit 2, before anything is touched. Each verb
/// opens the directory as a local copy target (its lock for the verb's duration, the same checks, receives into
/// <c>.incoming</c>, verified, then renamed) and the send stream of <c>receive</c> goes through
/// <see cref="SendStreamValidator"/> before btrfs receive sees a byte of it.
/// </summary>
public sealed class CopyServer(Func<CopyTarget, ICopyDestination> openLocal, string productVersion, Func<int> sendProtocol)
{
    /// <summary>The longest a receive waits for the next bytes of the stream before it gives up.</summary>
    public static readonly TimeSpan StallTimeout = TimeSpan.FromMinutes(10);

    /// <summary>Runs one request. <paramref name="arguments"/> are serve's own (after <c>serve</c>).</summary>
    public async Task<int> RunAsync(
        IReadOnlyList<string> arguments,
        string? originalCommand,
        Stream input,
        Stream output,
        TextWriter error,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (!TryReadRequest(arguments, originalCommand, out var request, out var target, out var refusal))
        {
            await error.WriteLineAsync($"snapshotbackup serve: refused: {refusal}");
            return CopyProtocol.ExitRefused;
        }
        var writer = new StreamWriter(output, new UTF8Encoding(false), leaveOpen: true) { NewLine = "\n" };
        try
        {
            await RunAsync(request, target, input, writer, cancellationToken);
            await writer.FlushAsync(cancellationToken);
            return ExitCodes.Ok;
        }
        catch (SendStreamRejectedException e)
        {
            await error.WriteLineAsync($"snapshotbackup serve: refused: {e.Message}; nothing was received");
            return CopyProtocol.ExitRefused;
        }
        catch (CopyTargetUnavailableException e)
        {
            await error.WriteLineAsync($"snapshotbackup serve: {e.Message}");
            return CopyProtocol.ExitUnavailable;
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            await error.WriteLineAsync($"snapshotbackup serve: {MessageText.Abbreviate(e.Message)}");
            return ExitCodes.For(e);
        }
        finally
        {
            await writer.DisposeAsync();
        }
    }

    /// <summary>
    /// The request and its target, or why it is refused. With <paramref name="originalCommand"/> (a forced command)
    /// the arguments are <c>--copies DIR</c> only and the request is the original command, whose DIR must be the same;
    /// without it, the arguments are the whole request.
    /// </summary>
    public static bool TryReadRequest(
        IReadOnlyList<string> arguments, string? originalCommand, out CopyRequest request, out CopyTarget target, out string refusal)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        request = null!;
        target = null!;
        if (arguments.Count < 2 || arguments[0] != CopyProtocol.CopiesOption)
        {
            refusal = "expected 'serve --copies DIR'";
            return false;
        }
        if (!TryTarget(arguments[1], out target, out refusal))
        {
            return false;
        }
        List<string> words;
        if (originalCommand is not null)
        {
            if (arguments.Count != 2)
            {
                refusal = "a forced command 'serve --copies DIR' takes nothing after DIR";
                return false;
            }
            if (!CopyProtocol.TryParseWords(originalCommand, out var parsed, out var why))
            {
                refusal = $"the command '{CopyProtocol.Printable(originalCommand)}' contains {why}";
                return false;
            }
            if (parsed.Count < 4 || parsed[0] != CopyProtocol.Program || parsed[1] != CopyProtocol.Command || parsed[2] != CopyProtocol.CopiesOption)
            {
                refusal = $"this key may only run '{CopyProtocol.Program} {CopyProtocol.Command} {CopyProtocol.CopiesOption} {target.Path} VERB', not '{CopyProtocol.Printable(originalCommand)}'";
                return false;
            }
            if (!TryTarget(parsed[3], out var asked, out _) || asked.Path != target.Path)
            {
                refusal = $"this key serves only {target.Path}, not '{CopyProtocol.Printable(parsed[3])}'";
                return false;
            }
            words = parsed.Skip(4).ToList();
        }
        else
        {
            words = arguments.Skip(2).ToList();
        }
        if (words.Count == 0)
        {
            refusal = $"no request (one of: {string.Join(", ", CopyProtocol.Verbs.Order(StringComparer.Ordinal))})";
            return false;
        }
        var verb = words[0];
        var rest = words.Skip(1).ToList();
        if (CopyProtocol.CheckArguments(verb, rest) is { } bad)
        {
            refusal = bad;
            return false;
        }
        request = new CopyRequest(target.Path, verb, rest);
        refusal = string.Empty;
        return true;
    }

    private static bool TryTarget(string directory, out CopyTarget target, out string refusal)
    {
        target = null!;
        var why = string.Empty;
        if (!directory.StartsWith('/') || !CopyTarget.TryParse(directory, out var parsed, out why) || parsed.IsRemote)
        {
            refusal = $"'{CopyProtocol.Printable(directory)}' is not an absolute directory"
                      + (directory.StartsWith('/') && why.Length > 0 ? $" ({why})" : string.Empty);
            return false;
        }
        target = parsed;
        refusal = string.Empty;
        return true;
    }

    private async Task RunAsync(CopyRequest request, CopyTarget target, Stream input, StreamWriter output, CancellationToken cancellationToken)
    {
        if (request.Verb == "hello")
        {
            await output.WriteAsync(CopyProtocol.FormatHello(productVersion, sendProtocol()));
            return;
        }
        var changes = request.Verb is "receive" or "delete" || (request.Verb == "clean" && request.Arguments.Count == 0);
        await using var destination = openLocal(target);
        var cleaned = await destination.ConnectAsync(dryRun: !changes, cancellationToken);
        switch (request.Verb)
        {
            case "clean":
                foreach (var name in cleaned)
                {
                    await output.WriteLineAsync(name);
                }
                break;
            case "list":
                foreach (var entry in await destination.ListAsync(cancellationToken))
                {
                    await output.WriteLineAsync(CopyProtocol.FormatEntry(entry));
                }
                break;
            case "df":
                var free = await destination.FreeBytesAsync(cancellationToken);
                await output.WriteLineAsync(free is { } bytes ? bytes.ToString(System.Globalization.CultureInfo.InvariantCulture) : "-");
                break;
            case "delete":
                await destination.DeleteAsync(request.Arguments[0], cancellationToken);
                break;
            case "receive":
                await output.WriteLineAsync(CopyProtocol.FormatEntry(await ReceiveAsync(destination, request, input, cancellationToken)));
                break;
            default:
                throw new OperationFailedException($"'{request.Verb}' is not served");
        }
    }

    private static async Task<CopyEntry> ReceiveAsync(ICopyDestination destination, CopyRequest request, Stream input, CancellationToken cancellationToken)
    {
        var name = request.Arguments[0];
        _ = CopyProtocol.TryParseUuid(request.Arguments[1], out var uuid);
        await using var receive = await destination.BeginReceiveAsync(name, uuid, cancellationToken);
        try
        {
            await SendStreamValidator.RelayAsync(input, receive.Input, name, cancellationToken, stallTimeout: StallTimeout);
        }
        catch (TimeoutException)
        {
            throw new OperationFailedException($"the send stream of {name} stopped: no data for {StallTimeout.TotalMinutes:0} min; nothing was received");
        }
        catch (IOException e)
        {
            // btrfs receive closed its input: its own error output (in CompleteAsync's message) says why.
            throw new OperationFailedException($"btrfs receive of {name} stopped reading: {e.Message}", e);
        }
        return await receive.CompleteAsync(cancellationToken);
    }
}
