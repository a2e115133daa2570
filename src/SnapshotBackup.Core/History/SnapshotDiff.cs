using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Internal;
using SnapshotBackup.Core.Processes;

namespace SnapshotBackup.Core.History;

/// <summary>
/// What changed between two snapshots of one volume, or between a snapshot and the local source. Between snapshots as
/// root: <c>btrfs send --no-data -q -p A B</c> names the paths that may have changed (metadata only, no file data
/// crosses the pipe), and each is classified with <see cref="EntryComparer"/>, so the cost follows what changed, not
/// the size of the tree. Where send cannot be used (not root, send fails) and against the source: a full compare,
/// walking both trees. Either way the result is the same; <see cref="DiffResult.Method"/> says which ran and why.
/// Nothing is written: send reads, the trees are opened read-only.
/// </summary>
public sealed class SnapshotDiff(ProcessRunner runner, ILogger logger)
{
    /// <summary>btrfs send reads metadata only; an hour bounds a pathological volume.</summary>
    public TimeSpan SendTimeout { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The btrfs program (btrfs-progs).</summary>
    public string Btrfs { get; init; } = ProgramLocator.Find("btrfs", Environment.GetEnvironmentVariable("PATH")) ?? "btrfs";

    /// <summary>Whether btrfs send may be tried (it needs CAP_SYS_ADMIN: root).</summary>
    public bool CanSend { get; init; } = LibC.GetEUid() == 0;

    /// <summary>The argument list of the send that lists the changes from <paramref name="a"/> to <paramref name="b"/>.</summary>
    public ExternalCommand SendCommand(string a, string b) => new(Btrfs, ["send", "--no-data", "-q", "-p", a, "--", b]);

    public async Task<DiffResult> BetweenSnapshotsAsync(string snapshotA, string snapshotB, CancellationToken cancellationToken)
    {
        string reason;
        if (!CanSend)
        {
            reason = "btrfs send needs root";
        }
        else
        {
            var (candidates, failure) = await SendCandidatesAsync(snapshotA, snapshotB, cancellationToken);
            if (candidates is not null)
            {
                logger.LogInformation("diff: btrfs send listed {Count} changed paths; comparing those", candidates.Count);
                using var a = new EntryTree(snapshotA);
                using var b = new EntryTree(snapshotB);
                var compare = new TreeCompare(a, b, ContentCheck.ReadBytes);
                compare.CompareCandidates(candidates, static (tree, inode) => tree.InodePaths(inode));
                return new DiffResult(DiffResult.BtrfsSend, "snapshots of one volume, as root", compare.Entries, compare.Unreadable);
            }
            reason = failure!;
        }
        logger.LogInformation("diff: full compare: {Reason}", reason);
        using (var a = new EntryTree(snapshotA))
        using (var b = new EntryTree(snapshotB))
        {
            var compare = new TreeCompare(a, b, ContentCheck.ReadBytes);
            compare.CompareAll();
            return new DiffResult(DiffResult.FullCompare, reason, compare.Entries, compare.Unreadable);
        }
    }

    /// <summary>
    /// A snapshot against the local source (a full compare: the source is another filesystem). Source entries
    /// <paramref name="excluded"/> (the section's <c>ignore</c>) count as absent, as the next backup would leave them out.
    /// Regular files with equal metadata count as equal, as rsync's quick check judges (reading the whole source is
    /// not an option); where metadata differ the bytes decide whether the contents changed too.
    /// </summary>
    public DiffResult AgainstSource(string snapshot, string source, Func<string, bool, bool>? excluded)
    {
        const string Reason = "B is the source";
        logger.LogInformation("diff: full compare: {Reason}", Reason);
        using var a = new EntryTree(snapshot);
        using var b = new EntryTree(source);
        var compare = new TreeCompare(a, b, ContentCheck.QuickCheck) { ExcludedInB = excluded };
        compare.CompareAll();
        return new DiffResult(DiffResult.FullCompare, Reason, compare.Entries, compare.Unreadable);
    }

    private async Task<(IReadOnlyList<string>? Candidates, string? Failure)> SendCandidatesAsync(string a, string b, CancellationToken cancellationToken)
    {
        IReadOnlyList<string>? paths = null;
        Exception? streamError = null;
        ProcessResult result;
        try
        {
            result = await runner.RunAsync(SendCommand(a, b), SendTimeout, cancellationToken, readStandardOutput: async stream =>
            {
                try
                {
                    paths = await SendStreamReader.ReadPathsAsync(stream, cancellationToken);
                }
                catch (InvalidDataException e)
                {
                    streamError = e;
                }
            });
        }
        catch (InvalidOperationException e)
        {
            return (null, "btrfs send could not start: " + e.Message);
        }
        catch (TimeoutException e)
        {
            return (null, e.Message);
        }
        cancellationToken.ThrowIfCancellationRequested();
        if (result.ExitCode != 0)
        {
            var tail = result.StandardErrorTail.Trim();
            return (null, $"btrfs send failed (exit {result.ExitCode}{(tail.Length > 0 ? ": " + MessageText.Abbreviate(tail) : string.Empty)})");
        }
        if (streamError is not null || paths is null)
        {
            return (null, "btrfs send's stream could not be read: " + (streamError?.Message ?? "no stream"));
        }
        return (paths, null);
    }
}
