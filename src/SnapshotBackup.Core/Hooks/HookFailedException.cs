namespace SnapshotBackup.Core.Hooks;

/// <summary>A hook failed or timed out: for <c>before_backup</c> the backup is not taken, for <c>before_prune</c> retention is not run.</summary>
public sealed class HookFailedException : Exception
{
    public HookFailedException(HookResult result, TimeSpan timeout)
        : base(Describe(result, timeout))
    {
        Result = result;
    }

    public HookFailedException()
    {
        Result = new HookResult(HookKind.BeforeBackup, "", null, false, TimeSpan.Zero, []);
    }

    public HookFailedException(string message) : base(message)
    {
        Result = new HookResult(HookKind.BeforeBackup, "", null, false, TimeSpan.Zero, []);
    }

    public HookFailedException(string message, Exception innerException) : base(message, innerException)
    {
        Result = new HookResult(HookKind.BeforeBackup, "", null, false, TimeSpan.Zero, []);
    }

    public HookResult Result { get; }

    private static string Describe(HookResult result, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(result);
        var skipped = result.Kind switch
        {
            HookKind.BeforeBackup => "; no backup taken",
            HookKind.BeforePrune => "; nothing deleted",
            _ => "",
        };
        return result.Describe(timeout) + skipped;
    }
}
