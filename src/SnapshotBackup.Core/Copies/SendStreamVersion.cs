using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Processes;

namespace SnapshotBackup.Core.Copies;

/// <summary>
/// The highest btrfs send stream version this machine can send and receive: 2 when btrfs-progs knows <c>--proto</c>
/// (6.0+, whose receive reads version 2 too) and the kernel sends version 2
/// (<c>/sys/fs/btrfs/features/send_stream_version</c>), else 1. Detected once per btrfs program.
/// </summary>
public static class SendStreamVersion
{
    private static readonly ConcurrentDictionary<string, Lazy<int>> Detected = new(StringComparer.Ordinal);

    public const string KernelFeature = "/sys/fs/btrfs/features/send_stream_version";

    public static int Local(string btrfsPath, ILogger logger) =>
        Detected.GetOrAdd(btrfsPath, path => new Lazy<int>(() => Detect(path, logger))).Value;

    /// <summary>The arguments of <c>btrfs send</c> that select <paramref name="version"/>.</summary>
    public static IReadOnlyList<string> SendArguments(int version) => version >= 2 ? ["--proto", "2", "--compressed-data"] : [];

    private static int Detect(string btrfsPath, ILogger logger)
    {
        var kernel = 1;
        try
        {
            if (int.TryParse(File.ReadAllText(KernelFeature).Trim(), out var v))
            {
                kernel = v;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // An old kernel: version 1.
        }
        var help = string.Empty;
        try
        {
            var result = new ProcessRunner(logger).RunAsync(
                new ExternalCommand(btrfsPath, ["send", "--help"]), TimeSpan.FromSeconds(30), CancellationToken.None,
                onStandardOutput: line => help += line + "\n").GetAwaiter().GetResult();
            help += result.StandardErrorTail;
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            logger.LogDebug("cannot ask {Btrfs} for its send options: {Error}", btrfsPath, e.Message);
        }
        var progs = help.Contains("--proto", StringComparison.Ordinal) ? 2 : 1;
        var version = Math.Min(kernel, progs);
        logger.LogDebug("btrfs send stream version {Version} (kernel {Kernel}, btrfs-progs {Progs})", version, kernel, progs);
        return Math.Max(1, Math.Min(version, 2));
    }
}
