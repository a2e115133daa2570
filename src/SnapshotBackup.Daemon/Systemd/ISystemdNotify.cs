namespace SnapshotBackup.Daemon.Systemd;

/// <summary>Sends sd_notify(3) state strings to the service manager.</summary>
internal interface ISystemdNotify
{
    /// <summary>True when <c>$NOTIFY_SOCKET</c> was set, i.e. systemd listens for notifications.</summary>
    bool IsEnabled { get; }

    /// <summary>Sends <paramref name="state"/> (newline-separated <c>KEY=VALUE</c> assignments). Never throws.</summary>
    void Notify(string state);
}
