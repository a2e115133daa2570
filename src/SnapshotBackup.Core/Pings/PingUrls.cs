using System.Text;

namespace SnapshotBackup.Core.Pings;

/// <summary>What a ping says about a run, in the Healthchecks.io vocabulary.</summary>
public enum PingSignal
{
    /// <summary>The run began (<c>URL/start</c>): Healthchecks measures the run's time and waits for its end.</summary>
    Start,

    /// <summary>The run took its snapshot (<c>URL</c>).</summary>
    Success,

    /// <summary>The run failed (<c>URL/fail</c>): the check goes down at once.</summary>
    Fail,

    /// <summary>Recorded in the check's event log without changing its state (<c>URL/log</c>): a skip, an interruption.</summary>
    Log,
}

/// <summary>
/// The URLs a <c>ping_url</c> becomes, and how one is shown in a log line. Two conventions: Healthchecks.io (and
/// anything that copies it: a suffix on the path, the query kept) and Uptime Kuma push URLs (the same path, the
/// query's <c>status</c> and <c>msg</c> set). A ping URL is a secret (whoever has it can report the backup as
/// healthy), so a log line shows only <see cref="Redact"/>'s form of it and messages pass through <see cref="Scrub"/>.
/// </summary>
public static class PingUrls
{
    /// <summary>An Uptime Kuma push monitor: a path with <c>/api/push/</c> or a query with a <c>status</c> key.</summary>
    public static bool IsUptimeKuma(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return url.AbsolutePath.Contains("/api/push/", StringComparison.Ordinal) || QueryPairs(url).Any(p => p.Key == "status");
    }

    /// <summary>Healthchecks: <c>URL/start</c>, <c>URL</c>, <c>URL/fail</c>, <c>URL/log</c>, the query string kept.</summary>
    public static Uri Healthchecks(Uri url, PingSignal signal)
    {
        ArgumentNullException.ThrowIfNull(url);
        var suffix = signal switch
        {
            PingSignal.Start => "/start",
            PingSignal.Fail => "/fail",
            PingSignal.Log => "/log",
            _ => string.Empty,
        };
        if (suffix.Length == 0)
        {
            return url;
        }
        return new Uri(url.GetLeftPart(UriPartial.Path).TrimEnd('/') + suffix + url.Query);
    }

    /// <summary>
    /// Uptime Kuma: the same URL with <c>status=up|down</c> and <c>msg=</c><paramref name="message"/> (replacing the
    /// values the URL came with, e.g. the <c>?status=up&amp;msg=OK&amp;ping=</c> Kuma shows), every other key kept.
    /// </summary>
    public static Uri UptimeKuma(Uri url, bool up, string message)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(message);
        var pairs = QueryPairs(url).Where(p => p.Key is not "status" and not "msg").ToList();
        pairs.Insert(0, new("msg", message));
        pairs.Insert(0, new("status", up ? "up" : "down"));
        var query = string.Join('&', pairs.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value)));
        return new Uri(url.GetLeftPart(UriPartial.Path) + "?" + query);
    }

    /// <summary>
    /// The URL as a log line shows it: <c>scheme://host[:port]/</c> and the path, each segment that may be a secret
    /// (anything but a short lower-case word such as <c>api</c>, <c>push</c>, <c>start</c> or a slug) shortened to
    /// <c>…</c> and its last 4 characters (to tell checks apart), no user info, no query.
    /// <c>https://hc-ping.com/5bf66975-d4c7-4bf5-bcc8-b8d8a82ec9f2/fail?create=1</c> → <c>https://hc-ping.com/…c9f2/fail</c>.
    /// </summary>
    public static string Redact(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var text = new StringBuilder(url.Scheme).Append("://").Append(url.Authority).Append('/');
        text.AppendJoin('/', Segments(url).Select(s => IsWord(s) ? s : Shorten(s)));
        return text.ToString();
    }

    /// <summary>
    /// A configured value that may not even be a URL (a config error quotes it), redacted as <see cref="Redact"/> does:
    /// the first part (a scheme or a host) kept, each further <c>/</c>-separated part that is not a word shortened, any
    /// query and user info dropped.
    /// </summary>
    public static string RedactText(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (Uri.TryCreate(value, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" && url.Authority.Length > 0)
        {
            return Redact(url);
        }
        var parts = value.Split('?', '#')[0].Split('/');
        var first = parts[0][(parts[0].LastIndexOf('@') + 1)..];
        return string.Join('/', parts.Skip(1).Select(p => p.Length == 0 || IsWord(p) || p.EndsWith(':') ? p : Shorten(p)).Prepend(first));
    }

    /// <summary>
    /// <paramref name="message"/> (an exception's, which may quote the URL) with the secret parts of
    /// <paramref name="url"/> replaced: the whole URL by its <see cref="Redact"/>ed form, then each secret path segment,
    /// the user info and each query value by <c>…</c>.
    /// </summary>
    public static string Scrub(string message, Uri url)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(url);
        var text = message.Replace(url.OriginalString, Redact(url), StringComparison.Ordinal)
            .Replace(url.AbsoluteUri, Redact(url), StringComparison.Ordinal);
        var secrets = Segments(url).Where(s => !IsWord(s))
            .SelectMany(s => new[] { s, Uri.UnescapeDataString(s) })
            .Concat(QueryPairs(url).SelectMany(p => new[] { p.Value, Uri.EscapeDataString(p.Value) }))
            .Append(url.UserInfo)
            .Append(Uri.UnescapeDataString(url.UserInfo))
            .Where(s => s.Length >= 3)
            .Distinct(StringComparer.Ordinal)
            .OrderByDescending(s => s.Length);
        foreach (var secret in secrets)
        {
            text = text.Replace(secret, "…", StringComparison.Ordinal);
        }
        return text;
    }

    private static string[] Segments(Uri url) => url.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>A short lower-case word or slug: <c>api</c>, <c>push</c>, <c>fail</c>, <c>db-backup</c>. Tokens have digits or capitals.</summary>
    private static bool IsWord(string segment) =>
        segment.Length <= 24 && segment.All(c => c is (>= 'a' and <= 'z') or '-' or '_' or '.');

    private static string Shorten(string segment) => segment.Length >= 16 ? "…" + segment[^4..] : "…";

    private static List<KeyValuePair<string, string>> QueryPairs(Uri url) =>
        url.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Select(p => new KeyValuePair<string, string>(Unescape(p[0]), p.Length > 1 ? Unescape(p[1]) : string.Empty))
            .ToList();

    private static string Unescape(string s) => Uri.UnescapeDataString(s.Replace('+', ' '));
}
