using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Processes;

namespace SnapshotBackup.Core.Rsync;

/// <summary>Builds the rsync argument list. A system backup: archive, hard links, ACLs, xattrs, numeric ids.</summary>
public static class RsyncCommandBuilder
{
    /// <summary>The fixed options every backup uses (the benchmark's floor uses the same).</summary>
    public static IReadOnlyList<string> BaseOptions { get; } =
    [
        "--archive",
        "--hard-links",
        "--acls",
        "--xattrs",
        "--numeric-ids",
        "--sparse",
        "--delete",
        "--delete-excluded",
        "--stats",
        // Compare mtimes to the nanosecond: at rsync's default whole seconds, a file rewritten with the same size in
        // the second it was last backed up is skipped by the quick check and silently missing from the next backup.
        "--modify-window=-1",
    ];

    public static ExternalCommand Build(RsyncOptions options, string rsync = "rsync")
    {
        var arguments = new List<string>(BaseOptions);
        AddCompare(arguments, options.Checksum, options.DryRun);
        if (options.Progress)
        {
            arguments.Add("--info=progress2");
        }
        if (options.FilesFrom is { } list)
        {
            // Only the listed entries, with the same options otherwise: each with its parent directories (and their
            // attributes); a listed directory whole (-a does not imply -r with --files-from); a listed entry that no
            // longer exists is deleted from the copy; the ignore patterns apply to the listed names as to a walk.
            arguments.AddRange(["--files-from=" + list, "--from0", "--recursive", "--delete-missing-args"]);
        }
        AddShellAndExcludes(arguments, options.Source, options.Ignore);
        // "--" ends the options, so a path starting with '-' is never read as one; the trailing slash copies contents.
        arguments.Add("--");
        arguments.Add(WithTrailingSlash(options.Source));
        arguments.Add(WithTrailingSlash(options.Destination));
        return new ExternalCommand(rsync, arguments);
    }

    /// <summary>
    /// The options of a restore: the backups' fidelity options (never <c>--delete-excluded</c>: an ignored file in the
    /// target is not the snapshot's to delete), <c>--relative</c> with <c>SNAPSHOT/./path</c> sources so each path lands
    /// at its place; <c>--stats</c> for the counts a restore reports, <c>--itemize-changes</c> for the plan (a dry run).
    /// <c>--checksum</c> is added where the target has files to compare (<see cref="RestoreRsyncOptions.Checksum"/>).
    /// </summary>
    public static IReadOnlyList<string> RestoreOptions { get; } =
    [
        "--archive",
        "--hard-links",
        "--acls",
        "--xattrs",
        "--numeric-ids",
        "--sparse",
        "--relative",
        "--stats",
        "--modify-window=-1",
    ];

    /// <summary>rsync from a snapshot back into the source or another directory (see <see cref="RestoreRsyncOptions"/>).</summary>
    public static ExternalCommand BuildRestore(RestoreRsyncOptions options, string rsync = "rsync")
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.RelativePaths.Count == 0)
        {
            throw new ArgumentException("a restore needs at least one path", nameof(options));
        }
        var arguments = new List<string>(RestoreOptions);
        if (options.Delete)
        {
            arguments.Add("--delete");
        }
        AddCompare(arguments, options.Checksum, options.DryRun);
        AddShellAndExcludes(arguments, options.Target, options.Ignore);
        arguments.Add("--");
        var snapshot = options.Snapshot.TrimEnd('/');
        foreach (var relative in options.RelativePaths)
        {
            // "/./" marks where the path to recreate under the target starts (--relative); "" is the whole snapshot.
            arguments.Add(snapshot + "/./" + relative);
        }
        arguments.Add(WithTrailingSlash(options.Target));
        return new ExternalCommand(rsync, arguments);
    }

    /// <summary><c>--checksum</c>; a dry run with one line per change (<c>*deleting</c>, <c>&gt;f+++++++++ path</c>).</summary>
    private static void AddCompare(List<string> arguments, bool checksum, bool dryRun)
    {
        if (checksum)
        {
            arguments.Add("--checksum");
        }
        if (dryRun)
        {
            arguments.Add("--dry-run");
            arguments.Add("--itemize-changes");
        }
    }

    /// <summary>ssh when <paramref name="remoteSide"/> is <c>user@host:/path</c>; one <c>--exclude</c> per <c>ignore</c> pattern.</summary>
    private static void AddShellAndExcludes(List<string> arguments, string remoteSide, IReadOnlyList<string> ignore)
    {
        if (RemoteSource.TryParse(remoteSide, out _))
        {
            arguments.Add("--rsh=" + Ssh.RsyncShell());
        }
        foreach (var pattern in ignore)
        {
            arguments.Add("--exclude=" + pattern);
        }
    }

    private static string WithTrailingSlash(string path) => path.EndsWith('/') ? path : path + "/";
}
