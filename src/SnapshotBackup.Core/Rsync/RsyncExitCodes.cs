namespace SnapshotBackup.Core.Rsync;

/// <summary>rsync's exit codes and what its manual says they mean.</summary>
public static class RsyncExitCodes
{
    public const int Success = 0;
    public const int PartialTransferVanished = 24;
    public const int Signalled = 20;

    /// <summary>rsync stopped because of a signal: its own code 20, or 128 + N when the signal killed it.</summary>
    public static bool IsSignal(int code) => code == Signalled || code is > 128 and < 160;

    public static string Describe(int code) => code switch
    {
        0 => "success",
        1 => "syntax or usage error",
        2 => "protocol incompatibility",
        3 => "errors selecting input/output files, dirs",
        4 => "requested action not supported",
        5 => "error starting client-server protocol",
        6 => "daemon unable to append to log-file",
        10 => "error in socket I/O",
        11 => "error in file I/O",
        12 => "error in rsync protocol data stream",
        13 => "errors with program diagnostics",
        14 => "error in IPC code",
        20 => "received SIGUSR1 or SIGINT",
        21 => "some error returned by waitpid()",
        22 => "error allocating core memory buffers",
        23 => "partial transfer due to error",
        24 => "partial transfer due to vanished source files",
        25 => "the --max-delete limit stopped deletions",
        30 => "timeout in data send/receive",
        35 => "timeout waiting for daemon connection",
        126 or 127 => "the program could not be started (is rsync installed?)",
        255 => "ssh failed (remote host unreachable or authentication refused)",
        > 128 and < 160 => $"killed by signal {code - 128}",
        _ => "unknown exit code",
    };
}
