using SnapshotBackup.Daemon.Systemd;

namespace SnapshotBackup.Tests.Daemon;

/// <summary>Keeps what would have gone to sd_notify (Moq cannot proxy the daemon's internal interface).</summary>
internal sealed class RecordingSystemdNotify : ISystemdNotify
{
    public List<string> Sent { get; } = [];

    public bool IsEnabled => true;

    public void Notify(string state)
    {
        lock (Sent)
        {
            Sent.Add(state);
        }
    }
}
