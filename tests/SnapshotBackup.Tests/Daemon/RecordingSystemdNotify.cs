using Microsoft.Extensions.Hosting.Systemd;

namespace SnapshotBackup.Tests.Daemon;

/// <summary>Keeps what would have gone to sd_notify, as the text of each state.</summary>
internal sealed class RecordingSystemdNotify : ISystemdNotifier
{
    public List<string> Sent { get; } = [];

    public bool IsEnabled => true;

    public void Notify(ServiceState state)
    {
        lock (Sent)
        {
            Sent.Add(state.ToString());
        }
    }
}
