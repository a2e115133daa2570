using SnapshotBackup.Core.Internal;

namespace SnapshotBackup.Core;

/// <summary>Whether a standard stream is a terminal (prompts and progress need one).</summary>
public static class Terminal
{
    public static bool IsTerminal(int fd) => LibC.IsATty(fd) == 1;
}
