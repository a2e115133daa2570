using System.Collections.Concurrent;
using System.IO.Pipes;
using Tmds.DBus.Protocol;

namespace SnapshotBackup.Tests.Daemon;

/// <summary>
/// Minimal systemd-logind on a test bus: owns <c>org.freedesktop.login1</c>, exports
/// <c>/org/freedesktop/login1</c> with <c>org.freedesktop.login1.Manager.Inhibit(ssss) → h</c>.
/// Each call gets a fresh pipe; the write end is returned (the library closes our copy once sent),
/// the read end is watched for EOF, which is how the test sees the lock released.
/// </summary>
public sealed class FakeLogind : IPathMethodHandler, IAsyncDisposable
{
    public const string ServiceName = "org.freedesktop.login1";
    public const string ObjectPath = "/org/freedesktop/login1";
    public const string ManagerInterface = "org.freedesktop.login1.Manager";

    private readonly DBusConnection _connection;
    private readonly ConcurrentQueue<InhibitCall> _calls = new();
    private readonly TaskCompletionSource<InhibitCall> _firstCall = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _shutdown = new();

    private FakeLogind(DBusConnection connection)
    {
        _connection = connection;
    }

    /// <summary>Delay before answering Inhibit (the bus stays responsive meanwhile).</summary>
    public TimeSpan ReplyDelay { get; set; } = TimeSpan.Zero;

    /// <summary>When set, Inhibit is answered with this D-Bus error instead of an fd.</summary>
    public string? ReplyErrorName { get; set; }

    public IReadOnlyList<InhibitCall> Calls => _calls.ToArray();

    /// <summary>Completes when the first Inhibit call arrives.</summary>
    public Task<InhibitCall> FirstCall => _firstCall.Task;

    string IPathMethodHandler.Path => ObjectPath;

    bool IPathMethodHandler.HandlesChildPaths => false;

    public static async Task<FakeLogind> StartAsync(string busAddress)
    {
        var connection = new DBusConnection(new DBusConnectionOptions(busAddress) { AutoConnect = false });
        try
        {
            await connection.ConnectAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
            var fake = new FakeLogind(connection);
            connection.AddMethodHandler(fake);
            bool owned = await connection.TryRequestNameAsync(ServiceName, RequestNameOptions.Default)
                .WaitAsync(TimeSpan.FromSeconds(5));
            if (!owned)
            {
                throw new InvalidOperationException($"{ServiceName} is already owned on {busAddress}");
            }
            return fake;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    ValueTask IPathMethodHandler.HandleMethodAsync(MethodContext context)
    {
        Message request = context.Request;
        if (request.InterfaceAsString != ManagerInterface || request.MemberAsString != "Inhibit" || request.SignatureAsString != "ssss")
        {
            context.ReplyUnknownMethodError();
            return ValueTask.CompletedTask;
        }

        Reader reader = request.GetBodyReader();
        var call = new InhibitCall(what: reader.ReadString(), who: reader.ReadString(), why: reader.ReadString(), mode: reader.ReadString());
        _calls.Enqueue(call);
        _firstCall.TrySetResult(call);

        if (ReplyDelay <= TimeSpan.Zero)
        {
            Reply(context, call);
            return ValueTask.CompletedTask;
        }

        // Answer later without blocking the connection: we now own (and must dispose) the context.
        context.DisposesAsynchronously = true;
        _ = ReplyLaterAsync(context, call, ReplyDelay);
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        if (!_shutdown.IsCancellationRequested)
        {
            _shutdown.Cancel();
            _connection.Dispose();
            _shutdown.Dispose();
        }
        return ValueTask.CompletedTask;
    }

    private async Task ReplyLaterAsync(MethodContext context, InhibitCall call, TimeSpan delay)
    {
        using (context)
        {
            try
            {
                await Task.Delay(delay, _shutdown.Token);
                Reply(context, call);
            }
            catch (OperationCanceledException)
            {
                // fake shut down before answering
            }
            catch (ObjectDisposedException)
            {
                // connection gone
            }
        }
    }

    private void Reply(MethodContext context, InhibitCall call)
    {
        if (ReplyErrorName is { } errorName)
        {
            context.ReplyError(errorName, "fake logind refuses");
            return;
        }

        var pipe = new AnonymousPipeServerStream(PipeDirection.In, HandleInheritability.None);
        call.WatchForRelease(pipe);
        using MessageWriter writer = context.CreateReplyWriter("h");
        // WriteHandle hands ownership to the message: the write end is closed once the reply is sent.
        writer.WriteHandle(pipe.ClientSafePipeHandle);
        context.Reply(writer.CreateMessage());
    }
}
