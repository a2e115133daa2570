using SnapshotBackup.Core.Logging;

namespace SnapshotBackup.Daemon.Logging;

/// <summary>Decides whether log output should go to the systemd journal.</summary>
internal static class JournaldDetector
{
    /// <summary>True when stderr is connected to the journal (<c>$JOURNAL_STREAM</c> set) or the journal socket exists.</summary>
    public static bool ShouldUseJournal(Func<string, string?> environment, string socketPath = JournalWriter.DefaultSocketPath)
    {
        ArgumentNullException.ThrowIfNull(environment);
        return !string.IsNullOrEmpty(environment("JOURNAL_STREAM")) || File.Exists(socketPath);
    }
}
