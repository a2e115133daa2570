using Tmds.DBus.Protocol;

namespace SnapshotBackup.Core.DBus;

/// <summary>One D-Bus conversation, start to end, bounded by a deadline: connect, call, disconnect.</summary>
public static class DBusDeadline
{
    /// <summary>
    /// Connects with <paramref name="options"/>, runs <paramref name="call"/> on the connection and disposes the
    /// connection, all within <paramref name="timeout"/>. A result that arrives after the deadline (an inhibitor lock's
    /// file descriptor) is disposed when it is <see cref="IDisposable"/>.
    /// </summary>
    /// <param name="peer">Who is asked, for the timeout's message ("logind", "the session bus").</param>
    /// <exception cref="TimeoutException">when connecting and calling take longer than <paramref name="timeout"/>.</exception>
    /// <exception cref="OperationCanceledException">only when <paramref name="cancellationToken"/> fires.</exception>
    public static async Task<T> CallAsync<T>(
        DBusConnectionOptions options, TimeSpan timeout, string peer, Func<DBusConnection, Task<T>> call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(call);
        options.AutoConnect = false;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var connection = new DBusConnection(options);
        Task<T>? unclaimed = null;
        try
        {
            await connection.ConnectAsync().AsTask().WaitAsync(deadline.Token);
            unclaimed = call(connection);
            var result = await unclaimed.WaitAsync(deadline.Token);
            unclaimed = null;
            return result;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{peer} did not answer within {timeout.TotalSeconds:0} s");
        }
        finally
        {
            // Disposing the connection fails a call still in flight; should its reply have won the race, dispose it.
            connection.Dispose();
            if (unclaimed is not null)
            {
                _ = unclaimed.ContinueWith(
                    static t =>
                    {
                        if (t.IsCompletedSuccessfully)
                        {
                            (t.Result as IDisposable)?.Dispose();
                        }
                        else
                        {
                            _ = t.Exception; // observed: nobody waits for this call any more
                        }
                    },
                    CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
            }
        }
    }
}
