using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.State;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Core;

/// <summary>The documented exit codes of both commands (README: "Exit codes").</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int Usage = 2;

    /// <summary>EX_TEMPFAIL: the volume is locked by another process; try again later.</summary>
    public const int Locked = 75;

    /// <summary>EX_DATAERR: <c>status</c> found the daemon's state file unreadable or corrupt.</summary>
    public const int StateUnreadable = 65;

    public static int For(Exception e) => e switch
    {
        ConfigException or UsageException => Usage,
        VolumeLockedException => Locked,
        StateFileException => StateUnreadable,
        _ => Failed,
    };
}
