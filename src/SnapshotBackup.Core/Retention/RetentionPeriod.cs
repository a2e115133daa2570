using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using SnapshotBackup.Core.Time;

namespace SnapshotBackup.Core.Retention;

/// <summary>
/// How long one tier of the retention policy (<c>retain_all</c>, <c>retain_daily</c>, <c>retain_weekly</c>,
/// <c>retain_monthly</c>, <c>retain_yearly</c>) keeps its backups: a span back from now (<c>1 month</c>, as the
/// original read it), a count as btrbk's users write it (<c>14</c>: the 14 newest backups of the tier),
/// <c>forever</c>, or <c>none</c> (<c>0</c> too).
/// </summary>
public sealed class RetentionPeriod : IEquatable<RetentionPeriod>
{
    /// <summary>What <see cref="Parse"/> accepts, for error messages.</summary>
    public const string Expected =
        "expected a span back from now ('1 day', '2 weeks', '6 months'), a count of the newest backups to keep ('14'), " +
        "'forever' or 'none'";

    /// <summary>What a tier takes beside a span, appended to the span's error message.</summary>
    public const string OtherForms = "or a count of the newest backups ('14'), 'forever' or 'none'";

    private RetentionPeriod(Duration? span, int? count)
    {
        Span = span;
        Count = count;
    }

    /// <summary>Every backup of the tier, whatever its age.</summary>
    public static RetentionPeriod Forever { get; } = new(null, null);

    /// <summary>No backup of the tier (the tier is off).</summary>
    public static RetentionPeriod None { get; } = new(null, 0);

    /// <summary>The span back from now, or null for a count or forever.</summary>
    public Duration? Span { get; }

    /// <summary>The number of the tier's newest backups kept, or null for a span or forever; 0 is <see cref="None"/>.</summary>
    public int? Count { get; }

    public bool IsForever => Span is null && Count is null;

    public bool IsNone => Count == 0;

    /// <summary>Backups of the tier no older than <paramref name="span"/>.</summary>
    public static RetentionPeriod Within(Duration span) => new(span ?? throw new ArgumentNullException(nameof(span)), null);

    /// <summary>The <paramref name="count"/> newest backups of the tier.</summary>
    public static RetentionPeriod Newest(int count) =>
        count >= 0 ? count == 0 ? None : new(null, count) : throw new ArgumentOutOfRangeException(nameof(count), count, "a count is not negative");

    public static implicit operator RetentionPeriod(Duration span) => Within(span);

    /// <summary>Parses a tier's value: a duration as <see cref="Duration.Parse"/> reads it, a whole number, <c>forever</c>, <c>none</c>.</summary>
    /// <exception cref="FormatException">naming the value, why it is refused and what is accepted.</exception>
    public static RetentionPeriod Parse(string text) =>
        TryParse(text, out var period, out var error) ? period : throw new FormatException($"'{text}': {error}");

    /// <summary>Like <see cref="Parse"/>; on failure <paramref name="error"/> says why and what is accepted.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out RetentionPeriod? period, [NotNullWhen(false)] out string? error)
    {
        period = null;
        error = null;
        var s = (text ?? string.Empty).Trim().Trim('\'', '"').Trim().ToLowerInvariant();
        switch (s)
        {
            case "forever":
                period = Forever;
                return true;
            case "none":
                period = None;
                return true;
        }
        if (s.Length > 0 && s.All(char.IsAsciiDigit))
        {
            if (int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            {
                period = Newest(count);
                return true;
            }
            error = "a count too large; " + Expected;
            return false;
        }
        if (Duration.TryParse(text, out var span, out var spanError))
        {
            period = Within(span);
            return true;
        }
        error = spanError + "; " + OtherForms;
        return false;
    }

    /// <summary>The earliest time a backup may have to be in the tier at <paramref name="now"/>, for a span; null otherwise.</summary>
    public DateTimeOffset? From(DateTimeOffset now, TimeZoneInfo zone) => Span?.Before(now, zone);

    /// <summary>As configured: <c>1 month</c>, <c>14</c>, <c>forever</c>, <c>none</c>.</summary>
    public override string ToString() =>
        Span is { } span ? span.ToString() : Count is { } count ? count == 0 ? "none" : count.ToString(CultureInfo.InvariantCulture) : "forever";

    /// <summary>In words for people: <c>1 month</c>, <c>the 14 newest</c>, <c>forever</c>, <c>none</c>.</summary>
    public string Describe() =>
        Span is { } span ? span.ToString() : Count is { } count ? count == 0 ? "none" : $"the {count} newest" : "forever";

    public bool Equals(RetentionPeriod? other) => other is not null && Equals(Span, other.Span) && Count == other.Count;

    public override bool Equals(object? obj) => Equals(obj as RetentionPeriod);

    public override int GetHashCode() => HashCode.Combine(Span, Count);
}
