using System.IO.Pipes;

namespace SnapshotBackup.Tests.Daemon;

/// <summary>One Inhibit call received by <see cref="FakeLogind"/>, and whether its lock was released.</summary>
public sealed class InhibitCall
{
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public InhibitCall(string what, string who, string why, string mode)
    {
        What = what;
        Who = who;
        Why = why;
        Mode = mode;
    }

    public string What { get; }

    public string Who { get; }

    public string Why { get; }

    public string Mode { get; }

    /// <summary>Completes when every copy of the returned fd is closed (the read end sees EOF).</summary>
    public Task Released => _released.Task;

    /// <summary>Watches the read end of the lock pipe on a dedicated thread until EOF.</summary>
    internal void WatchForRelease(AnonymousPipeServerStream readEnd)
    {
        _ = Task.Factory.StartNew(
            () =>
            {
                var buffer = new byte[16];
                try
                {
                    while (readEnd.Read(buffer, 0, buffer.Length) > 0)
                    {
                    }
                }
                catch (IOException)
                {
                    // broken pipe counts as released
                }
                catch (ObjectDisposedException)
                {
                    // fake shut down
                }
                finally
                {
                    readEnd.Dispose();
                    _released.TrySetResult();
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
    }
}
