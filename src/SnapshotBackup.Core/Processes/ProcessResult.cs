namespace SnapshotBackup.Core.Processes;

/// <summary>How a child ended, with the tail of its error output for messages.</summary>
public sealed record ProcessResult(int ExitCode, string StandardErrorTail, TimeSpan Duration, bool Cancelled);
