namespace SnapshotBackup.Core.Hooks;

/// <summary>When a hook runs; <see cref="HookKinds.Key"/> gives its config key.</summary>
public enum HookKind
{
    BeforeBackup,
    AfterBackup,
    OnFailure,
    BeforePrune,
    AfterPrune,
}

public static class HookKinds
{
    /// <summary>The config key (and the name in messages): <c>before_backup</c>, ...</summary>
    public static string Key(this HookKind kind) => kind switch
    {
        HookKind.BeforeBackup => "before_backup",
        HookKind.AfterBackup => "after_backup",
        HookKind.OnFailure => "on_failure",
        HookKind.BeforePrune => "before_prune",
        HookKind.AfterPrune => "after_prune",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
