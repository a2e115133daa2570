using System.Globalization;

namespace SnapshotBackup.Core.Restore;

/// <summary>
/// What a restore would change in its target, from rsync's <c>--dry-run --itemize-changes</c> lines: entries to
/// create (<c>&gt;f+++++++++</c>, <c>cd+++++++++</c>, ...), entries to delete (<c>*deleting</c>, only with
/// <c>--delete</c>) and existing entries whose content or metadata would be overwritten (any other line).
/// </summary>
public sealed record RestorePlan(IReadOnlyList<string> Changes)
{
    public int Overwrite => Changes.Count(l => Kind(l) == RestoreChangeKind.Overwrite);

    public int Create => Changes.Count(l => Kind(l) == RestoreChangeKind.Create);

    public int Delete => Changes.Count(l => Kind(l) == RestoreChangeKind.Delete);

    public bool IsEmpty => Changes.Count == 0;

    /// <summary><c>2 to overwrite, 1 to create, 0 to delete</c>.</summary>
    public string Summary => string.Create(CultureInfo.InvariantCulture, $"{Overwrite} to overwrite, {Create} to create, {Delete} to delete");

    /// <summary>The kind of one itemized line.</summary>
    public static RestoreChangeKind Kind(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (line.StartsWith("*deleting", StringComparison.Ordinal))
        {
            return RestoreChangeKind.Delete;
        }
        // "YXcstpoguax": the nine attribute letters are all '+' for a newly created entry.
        return line.Length > 11 && line.AsSpan(2, 9).IndexOfAnyExcept('+') < 0 ? RestoreChangeKind.Create : RestoreChangeKind.Overwrite;
    }
}
