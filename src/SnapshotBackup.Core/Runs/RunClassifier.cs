using SnapshotBackup.Core.Engine;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Core.Runs;

/// <summary>The one place where an exception that ended a run becomes a <see cref="RunOutcome"/>.</summary>
public static class RunClassifier
{
    /// <summary>
    /// An unreachable source or volume is <see cref="RunOutcome.Skipped"/>; a cancellation asked for through
    /// <paramref name="cancellationToken"/> (the daemon stopping, ^C) is <see cref="RunOutcome.Interrupted"/>; anything
    /// else, a cancellation nobody asked for included, is <see cref="RunOutcome.Failed"/>.
    /// </summary>
    public static RunOutcome Classify(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        OperationCanceledException when cancellationToken.IsCancellationRequested => RunOutcome.Interrupted,
        SourceUnavailableException or VolumeUnavailableException => RunOutcome.Skipped,
        _ => RunOutcome.Failed,
    };
}
