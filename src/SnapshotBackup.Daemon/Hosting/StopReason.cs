using System.Runtime.InteropServices;

namespace SnapshotBackup.Daemon.Hosting;

/// <summary>
/// Remembers which signal asked the daemon to stop, for its last log line. Only records: the host's lifetime handles
/// the signals themselves (cancels the default action and stops the application).
/// </summary>
internal sealed class StopReason : IDisposable
{
    private readonly List<PosixSignalRegistration> _registrations = [];
    private string? _signal;

    public StopReason()
    {
        foreach (var (signal, name) in new[] { (PosixSignal.SIGTERM, "SIGTERM"), (PosixSignal.SIGINT, "SIGINT"), (PosixSignal.SIGQUIT, "SIGQUIT") })
        {
            _registrations.Add(PosixSignalRegistration.Create(signal, _ => Interlocked.CompareExchange(ref _signal, name, null)));
        }
    }

    /// <summary>The first stop signal received, else <c>stop requested</c>.</summary>
    public string Describe() => Volatile.Read(ref _signal) is { } signal ? "received " + signal : "stop requested";

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }
}
