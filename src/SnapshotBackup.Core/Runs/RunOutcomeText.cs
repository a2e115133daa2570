namespace SnapshotBackup.Core.Runs;

/// <summary>
/// The words of the state file's <c>last_outcome</c> (kept from earlier versions, read by <c>snapshotbackup status</c>
/// and by people): the one place where <see cref="RunOutcome"/> and those words are mapped.
/// </summary>
public static class RunOutcomeText
{
    /// <summary>A run has started and not yet ended.</summary>
    public const string Running = "running";

    public static string ToText(RunOutcome outcome) => outcome switch
    {
        RunOutcome.Succeeded => "ok",
        RunOutcome.Skipped => "skipped",
        RunOutcome.Failed => "failed",
        RunOutcome.Interrupted => "interrupted",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };

    /// <summary>The outcome a state file's word stands for; null for <see cref="Running"/>, none, or an unknown word.</summary>
    public static RunOutcome? Parse(string? text) => text switch
    {
        "ok" => RunOutcome.Succeeded,
        "skipped" => RunOutcome.Skipped,
        "failed" => RunOutcome.Failed,
        "interrupted" => RunOutcome.Interrupted,
        _ => null,
    };
}
