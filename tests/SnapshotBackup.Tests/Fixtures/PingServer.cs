using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SnapshotBackup.Tests.Fixtures;

/// <summary>
/// A health-check server for tests (Healthchecks.io or Uptime Kuma as far as a ping sees them): plain HTTP/1.1 on
/// 127.0.0.1 on a free port, recording every request (method, path, query, body) and answering <see cref="Status"/>, or, when
/// <see cref="Hang"/>, accepting and reading the request and never answering. Stopped (every connection closed) on
/// <see cref="Dispose"/>.
/// </summary>
public sealed class PingServer : IDisposable
{
    public sealed record Request(string Method, string Path, string Query, string Body, TimeSpan At)
    {
        public override string ToString() => $"{Method} {Path}{Query} ({Body.Length} bytes at {At.TotalSeconds:0.000} s)";
    }

    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<Request> _requests = new();
    private readonly ConcurrentBag<TcpClient> _clients = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Task _accepting;

    public PingServer(bool hang = false, int status = 200)
    {
        Hang = hang;
        Status = status;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = Task.Run(AcceptAsync);
    }

    /// <summary>Never answer: the request is read and recorded, the connection stays open until the server stops.</summary>
    public bool Hang { get; }

    public int Port { get; }

    /// <summary>The answer's status: 200 (with <c>OK</c>), or e.g. 404 as Healthchecks answers for an unknown check.</summary>
    public int Status { get; }

    /// <summary><c>http://127.0.0.1:PORT</c> and <paramref name="path"/>.</summary>
    public string Url(string path) => $"http://127.0.0.1:{Port}{path}";

    public IReadOnlyList<Request> Requests => [.. _requests];

    /// <summary>Connections accepted (a hanging server records a request only once its headers are in).</summary>
    public int Connections { get; private set; }

    /// <summary>Waits until at least <paramref name="count"/> requests came (or the time is up); returns them.</summary>
    public IReadOnlyList<Request> WaitFor(int count, TimeSpan timeout)
    {
        Poll.Until(() => _requests.Count >= count, timeout);
        return Requests;
    }

    /// <summary>A port on 127.0.0.1 nobody listens on (taken from the system, then released): connections are refused.</summary>
    public static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            Connections++;
            _clients.Add(client);
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        try
        {
            var stream = client.GetStream();
            var buffer = new List<byte>();
            var chunk = new byte[4096];
            while (true)
            {
                var head = HeadEnd(buffer);
                if (head < 0)
                {
                    var n = await stream.ReadAsync(chunk, _stop.Token);
                    if (n == 0)
                    {
                        return;
                    }
                    buffer.AddRange(chunk.AsSpan(0, n));
                    continue;
                }
                var headers = Encoding.ASCII.GetString([.. buffer.Take(head)]).Split("\r\n");
                var length = headers.Skip(1).Select(h => h.Split(':', 2)).Where(h => h.Length == 2 && h[0].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                    .Select(h => int.Parse(h[1].Trim(), System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault();
                while (buffer.Count < head + 4 + length)
                {
                    var n = await stream.ReadAsync(chunk, _stop.Token);
                    if (n == 0)
                    {
                        return;
                    }
                    buffer.AddRange(chunk.AsSpan(0, n));
                }
                var body = Encoding.UTF8.GetString([.. buffer.Skip(head + 4).Take(length)]);
                buffer.RemoveRange(0, head + 4 + length);
                var line = headers[0].Split(' ');
                var target = line.Length > 1 ? line[1] : "/";
                var q = target.IndexOf('?', StringComparison.Ordinal);
                _requests.Enqueue(new Request(line[0], q < 0 ? target : target[..q], q < 0 ? string.Empty : target[q..], body, _clock.Elapsed));
                if (Hang)
                {
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                }
                var answer = Status == 200 ? "OK" : "not found";
                var reason = Status == 200 ? "OK" : "Not Found";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(
                    $"HTTP/1.1 {Status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {answer.Length}\r\n\r\n{answer}"), _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // The server stops, or the client went away.
        }
        finally
        {
            client.Dispose();
        }
    }

    private static int HeadEnd(List<byte> buffer)
    {
        for (var i = 0; i + 3 < buffer.Count; i++)
        {
            if (buffer[i] == '\r' && buffer[i + 1] == '\n' && buffer[i + 2] == '\r' && buffer[i + 3] == '\n')
            {
                return i;
            }
        }
        return -1;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        foreach (var client in _clients)
        {
            client.Dispose();
        }
        try
        {
            _accepting.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
        _stop.Dispose();
    }
}
