using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text;
using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Configuration;
using SnapshotBackup.Core.Runs;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Core.Pings;

/// <summary>
/// <c>ping_url</c>: tells a health-check service (Healthchecks.io, Uptime Kuma, anything that copies either) how each
/// backup run went, so that a backup that stops happening is noticed somewhere else than on this machine.
/// <list type="bullet">
/// <item>Healthchecks: <c>GET URL/start</c> when the run has its lock (sent in the background: rsync does not wait
/// for it); at the end <c>POST URL</c> with a short summary on success, <c>POST URL/fail</c> with the run's last log
/// lines on failure, and <c>POST URL/log</c> with the reason for a run skipped (volume or source unavailable: an
/// unplugged disk is normal), refused because another run holds the volume, or interrupted: recorded without changing
/// the check's state, so a disk that stays away lets the check's grace time expire.</item>
/// <item>Uptime Kuma push URLs (<see cref="PingUrls.IsUptimeKuma"/>): nothing at the start (Kuma has no start),
/// <c>status=up&amp;msg=OK</c> on success, <c>status=down&amp;msg=reason</c> on failure, nothing for a skip (the
/// monitor's heartbeat interval plays the grace time).</item>
/// </list>
/// Each ping is one request with <see cref="Timeout"/> for all of it (one quick retry when the connection could not
/// be made); the end ping waits for the start ping first (so the server sees start, then end), which is itself bounded.
/// A ping that fails is a warning naming the URL in its <see cref="PingUrls.Redact"/>ed form, never the run's failure.
/// Dry runs and copy runs on their own ping nothing (<see cref="IRunObserver"/> is not told of dry runs; copies are
/// not what the check watches).
/// </summary>
public sealed class HealthPinger : IRunObserver, IDisposable
{
    /// <summary>The longest one ping takes: connecting, sending, the answer's headers, a retry included.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Shorter for an interrupted run (the daemon is stopping and has its own deadline): the wait for the start ping and
    /// the end ping each get this long at most.
    /// </summary>
    public static readonly TimeSpan InterruptedTimeout = TimeSpan.FromSeconds(2);

    /// <summary>The wait before the one retry after a connection error (refused, reset, no route).</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(500);

    /// <summary>The most of a body sent (Healthchecks keeps 100 kB; the run's log is 20 lines): its end is kept.</summary>
    public const int MaxBodyChars = 10_000;

    private readonly ILogger _logger;
    private readonly Lazy<HttpClient> _client;
    private readonly ConcurrentDictionary<string, Task> _starts = new(StringComparer.Ordinal);

    public HealthPinger(ILogger logger) : this(logger, DefaultTimeout)
    {
    }

    public HealthPinger(ILogger logger, TimeSpan timeout)
    {
        _logger = logger;
        Timeout = timeout;
        // Made on the first ping: a command without ping_url does not load the HTTP stack.
        _client = new Lazy<HttpClient>(() => CreateClient(timeout), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <inheritdoc cref="DefaultTimeout"/>
    public TimeSpan Timeout { get; }

    public Task RunStartedAsync(BackupConfig config, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.PingUrl is not { } url || PingUrls.IsUptimeKuma(url))
        {
            return Task.CompletedTask;
        }
        // Not awaited here: rsync starts now. Not the run's token either: an interrupted run still ends its start ping
        // (bounded), so that its /log comes after it.
        _starts[config.Name] = Task.Run(() => SendAsync(PingUrls.Healthchecks(url, PingSignal.Start), url, HttpMethod.Get, null, Timeout), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task RunFinishedAsync(BackupConfig config, RunResult result, IReadOnlyList<string> log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(log);
        if (config.PingUrl is not { } url)
        {
            return;
        }
        var interrupted = result.Outcome == RunOutcome.Interrupted;
        // A stopping daemon (also one whose run ended before the stop reached it) keeps its stop deadline.
        var stopping = interrupted || cancellationToken.IsCancellationRequested;
        var timeout = stopping && InterruptedTimeout < Timeout ? InterruptedTimeout : Timeout;
        if (_starts.TryRemove(config.Name, out var start))
        {
            // Never throws; bounded by its own timeout, and mostly over long before (it ran beside rsync). A stopping
            // daemon waits for it only as long as for the end ping, and then sends none (it would come before the start).
            if (stopping && await Task.WhenAny(start, Task.Delay(timeout, CancellationToken.None)) != start)
            {
                _logger.LogDebug("ping to {PingUrl}: the start ping is still waiting; no ping for the interruption", PingUrls.Redact(url));
                return;
            }
            await start;
        }
        if (Plan(url, result, log) is not { } ping)
        {
            return;
        }
        await SendAsync(ping.Url, url, ping.Body is null ? HttpMethod.Get : HttpMethod.Post, ping.Body, timeout);
    }

    /// <summary>The end ping for a run: where it goes and its body; null when nothing is sent.</summary>
    public static (Uri Url, string? Body)? Plan(Uri url, RunResult result, IReadOnlyList<string> log)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(log);
        var signal = Signal(result);
        if (PingUrls.IsUptimeKuma(url))
        {
            return signal switch
            {
                PingSignal.Success => (PingUrls.UptimeKuma(url, up: true, "OK"), null),
                PingSignal.Fail => (PingUrls.UptimeKuma(url, up: false, ShortReason(result)), null),
                _ => null,
            };
        }
        var body = signal switch
        {
            PingSignal.Success => Summary(result),
            PingSignal.Fail => FailureBody(result, log),
            _ => Reason(result),
        };
        return (PingUrls.Healthchecks(url, signal), Cap(body));
    }

    /// <summary>
    /// Succeeded → success; failed → fail, except a run refused because another holds the volume (that run pings for
    /// itself) → log; skipped and interrupted → log.
    /// </summary>
    public static PingSignal Signal(RunResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Outcome switch
        {
            RunOutcome.Succeeded => PingSignal.Success,
            RunOutcome.Failed when result.Error is not VolumeLockedException => PingSignal.Fail,
            _ => PingSignal.Log,
        };
    }

    /// <summary>The success body: the snapshot, what rsync moved, how long it took, and any warning.</summary>
    private static string Summary(RunResult result)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"snapshot {result.SnapshotName}\n");
        text.Append(CultureInfo.InvariantCulture, $"bytes transferred {result.BytesTransferred}\n");
        if (result.FilesTransferred is { } files)
        {
            text.Append(CultureInfo.InvariantCulture, $"files transferred {files}\n");
        }
        text.Append(CultureInfo.InvariantCulture, $"duration {result.Duration.TotalSeconds:0.0} s\n");
        foreach (var warning in Warnings(result))
        {
            text.Append("warning: ").Append(warning).Append('\n');
        }
        return text.ToString();
    }

    private static IEnumerable<string> Warnings(RunResult result)
    {
        if (result.RetentionError is { } retention)
        {
            yield return "autodecay/autoprune: " + retention.Message;
        }
        foreach (var hook in result.HookWarnings)
        {
            yield return hook;
        }
        foreach (var copy in result.Copies.Where(c => c.Error is not null))
        {
            yield return $"copy to {copy.Target.Spec}: {copy.Error!.Message}";
        }
    }

    /// <summary>The failure body: the run's last log lines, then its error unless the log already ends with it.</summary>
    private static string FailureBody(RunResult result, IReadOnlyList<string> log)
    {
        var lines = log.ToList();
        var error = result.ErrorMessage ?? "failed";
        if (!lines.Exists(l => l.Contains(error, StringComparison.Ordinal)))
        {
            lines.Add("failed: " + error);
        }
        return string.Join('\n', lines) + "\n";
    }

    private static string Reason(RunResult result) => result.Outcome switch
    {
        RunOutcome.Skipped => "skipped: " + result.ErrorMessage,
        RunOutcome.Interrupted => "interrupted" + (result.ErrorMessage is { } m ? ": " + m : string.Empty),
        _ => "not run: " + result.ErrorMessage,
    } + "\n";

    /// <summary>Kuma's <c>msg</c>: the error's first line, at most 200 characters.</summary>
    private static string ShortReason(RunResult result)
    {
        var line = (result.ErrorMessage ?? "failed").Split('\n', 2)[0].Trim();
        return line.Length <= 200 ? line : line[..199] + "…";
    }

    private static string Cap(string body) => body.Length <= MaxBodyChars ? body : "…" + body[^(MaxBodyChars - 1)..];

    /// <summary>One ping; never throws: a failure is a warning.</summary>
    private async Task SendAsync(Uri target, Uri configured, HttpMethod method, string? body, TimeSpan timeout)
    {
        var shown = PingUrls.Redact(target);
        using var deadline = new CancellationTokenSource(timeout);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var request = new HttpRequestMessage(method, target);
                if (body is not null)
                {
                    request.Content = new StringContent(body, Encoding.UTF8, "text/plain");
                }
                using var response = await _client.Value.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
                if (!response.IsSuccessStatusCode)
                {
                    _logger.LogWarning("ping to {PingUrl} failed: HTTP {Status} {Reason}", shown, (int)response.StatusCode, response.ReasonPhrase);
                    return;
                }
                _logger.LogDebug("ping to {PingUrl}: HTTP {Status}", shown, (int)response.StatusCode);
                return;
            }
            catch (HttpRequestException e) when (attempt == 1 && e.HttpRequestError == HttpRequestError.ConnectionError && !deadline.IsCancellationRequested)
            {
                _logger.LogDebug("ping to {PingUrl}: {Reason}; trying once more", shown, PingUrls.Scrub(e.Message, configured));
                try
                {
                    await Task.Delay(RetryDelay, deadline.Token);
                }
                catch (OperationCanceledException)
                {
                    _logger.LogWarning("ping to {PingUrl} failed: {Reason}", shown, PingUrls.Scrub(e.Message, configured));
                    return;
                }
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                _logger.LogWarning("ping to {PingUrl} failed: no answer within {Seconds:0.#} s", shown, timeout.TotalSeconds);
                return;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                _logger.LogWarning("ping to {PingUrl} failed: {Reason}", shown, PingUrls.Scrub(Describe(e), configured));
                return;
            }
        }
    }

    /// <summary>The exception's message, and its innermost one when that says more (a TLS or socket error).</summary>
    private static string Describe(Exception e)
    {
        var inner = e;
        while (inner.InnerException is { } next)
        {
            inner = next;
        }
        return ReferenceEquals(inner, e) || e.Message.Contains(inner.Message, StringComparison.Ordinal) ? e.Message : $"{e.Message} ({inner.Message})";
    }

    private static HttpClient CreateClient(TimeSpan timeout)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = timeout,
            MaxAutomaticRedirections = 3,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        var client = new HttpClient(handler, disposeHandler: true) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        var version = typeof(HealthPinger).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0";
        client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("snapshotbackup", version));
        return client;
    }

    public void Dispose()
    {
        if (_client.IsValueCreated)
        {
            _client.Value.Dispose();
        }
    }
}
