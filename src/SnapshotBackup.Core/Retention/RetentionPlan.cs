using System.Globalization;

namespace SnapshotBackup.Core.Retention;

/// <summary>One rule that keeps a backup: its word, and until when (null: for as long as the rule lasts: forever, a count, a pin).</summary>
/// <param name="Rule">The rule's word: <c>newest</c>, <c>pinned</c>, <c>copy parent</c>, <c>retain_all</c>, <c>daily</c>,
/// <c>weekly</c>, <c>monthly</c>, <c>yearly</c>.</param>
/// <param name="Until">When the rule stops keeping the backup; null when no date can be given.</param>
/// <param name="Detail">What goes with the word: the pin's note, the copy targets, <c>the 14 newest</c>.</param>
public sealed record RetentionHold(string Rule, DateTimeOffset? Until, string? Detail = null)
{
    /// <summary><c>daily until 2027-01-02 14:00</c>, <c>daily (the 14 newest)</c>, <c>weekly</c>, <c>pinned: before the upgrade</c>.</summary>
    public string Describe(TimeZoneInfo zone) =>
        Rule + (Rule is RetentionPlan.Pinned && Detail is not null ? ": " + Detail
            : Detail is not null ? $" ({Detail})"
            : string.Empty)
        + (Until is { } until ? " until " + RetentionPlan.Format(until, zone) : string.Empty);
}

/// <summary>
/// What retention decides for one backup, and why: keep (and by which rules, until when) or delete (prune: no rule
/// keeps it; decay: older than decay), and the next date its fate changes.
/// </summary>
public sealed record PlanEntry(BackupEntry Entry, bool Keep, IReadOnlyList<RetentionHold> Holds, string? DeleteRule, DateTimeOffset? NextChange, string? NextFate)
{
    public string Name => Entry.Name;

    /// <summary>The deciding rule's word: the first hold's, or <c>prune</c> / <c>decay</c>.</summary>
    public string Rule => Keep ? Holds[0].Rule : DeleteRule!;

    /// <summary>
    /// When the volume is below <c>min_free</c>: this snapshot's place in the order the next backup deletes in (1 is
    /// first), until the space is back; null otherwise.
    /// </summary>
    public int? MinFreeRank { get; init; }
}

/// <summary>
/// The retention policy explained (<c>snapshotbackup plan</c>, and the words of <c>list</c> and prune's prompt): for
/// every backup, keep or delete, the rule that decides it, and when its fate changes next. Pure: the policy's view
/// (<see cref="RetentionPolicy.Evaluate"/>), the pins and the copy targets' common snapshots come in.
/// </summary>
public static class RetentionPlan
{
    public const string Newest = "newest";
    public const string Pinned = "pinned";
    public const string CopyParent = "copy parent";
    public const string Prune = "prune";
    public const string Decay = "decay";

    /// <summary>A tier's rule word: <c>retain_all</c>, <c>daily</c>, <c>weekly</c>, <c>monthly</c>, <c>yearly</c>.</summary>
    public static string Word(RetentionTier tier) => tier switch
    {
        RetentionTier.All => "retain_all",
        RetentionTier.Daily => "daily",
        RetentionTier.Weekly => "weekly",
        RetentionTier.Monthly => "monthly",
        RetentionTier.Yearly => "yearly",
        _ => throw new ArgumentOutOfRangeException(nameof(tier), tier, null),
    };

    /// <summary>A date and time as the plan shows it: local, to the minute.</summary>
    public static string Format(DateTimeOffset time, TimeZoneInfo zone) =>
        TimeZoneInfo.ConvertTime(time, zone).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    /// <summary>Explains every entry of <paramref name="entries"/> (evaluated at <paramref name="now"/> with <paramref name="settings"/>).</summary>
    /// <param name="entries">The policy's view, oldest first.</param>
    /// <param name="settings">The settings the entries were evaluated with.</param>
    /// <param name="now">The moment of evaluation.</param>
    /// <param name="zone">The local time zone.</param>
    /// <param name="pins">The pinned snapshots.</param>
    /// <param name="copyParents">For each copy target's common snapshot, the targets.</param>
    /// <param name="nextChange">Whether to find each entry's next change (a search per entry); <c>list</c>, which
    /// shows only the deciding rule, goes without.</param>
    public static IReadOnlyList<PlanEntry> Explain(
        IReadOnlyList<BackupEntry> entries, RetentionSettings settings, DateTimeOffset now, TimeZoneInfo zone,
        IReadOnlyDictionary<string, Pin> pins, IReadOnlyDictionary<string, IReadOnlyList<string>> copyParents, bool nextChange = true)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(pins);
        ArgumentNullException.ThrowIfNull(copyParents);
        return entries.Select(e => Explain(e, settings, now, zone, pins, copyParents, nextChange)).ToList();
    }

    private static PlanEntry Explain(
        BackupEntry e, RetentionSettings settings, DateTimeOffset now, TimeZoneInfo zone,
        IReadOnlyDictionary<string, Pin> pins, IReadOnlyDictionary<string, IReadOnlyList<string>> copyParents, bool nextChange)
    {
        var holds = new List<RetentionHold>();
        if (e.Last)
        {
            holds.Add(new RetentionHold(Newest, null));
        }
        if (pins.TryGetValue(e.Name, out var pin))
        {
            holds.Add(new RetentionHold(Pinned, null, pin.Note));
        }
        if (copyParents.TryGetValue(e.Name, out var targets))
        {
            holds.Add(new RetentionHold(CopyParent, null, string.Join(", ", targets)));
        }
        var protectedHolds = holds.Count;
        var tierHolds = new List<RetentionHold>();
        foreach (var tier in RetentionPolicy.Tiers.Where(e.KeptBy))
        {
            var period = settings.Of(tier);
            tierHolds.Add(period.Span is { } span
                ? new RetentionHold(Word(tier), span.Expiry(e.Time, zone))
                : new RetentionHold(Word(tier), null, period.Count is { } count ? $"the {count} newest" : null));
        }
        // The longest-lived tier decides: forever first, then the latest date, then the counts.
        holds.AddRange(tierHolds
            .OrderBy(h => h.Until is null && h.Detail is null ? 0 : h.Until is null ? 2 : 1)
            .ThenByDescending(h => h.Until));

        // The next change comes a second after the last moment a rule (or youth) still holds the backup.
        var decayAt = e.Last || !nextChange ? null : settings.Decay.Expiry(e.Time, zone)?.AddSeconds(1);
        if (e.DecayCandidate && protectedHolds == 0)
        {
            return new PlanEntry(e, false, holds, Decay, null, null);
        }
        if (e.PruneCandidate && protectedHolds == 0)
        {
            return new PlanEntry(e, false, holds, Prune, decayAt, decayAt is null ? null : Decay);
        }
        if (protectedHolds > 0)
        {
            return new PlanEntry(e, true, holds, null, null, null);
        }
        // Kept by tiers alone: it becomes a prune candidate when the last dated tier lets go (unless a count or
        // forever holds it), or a decay candidate when it grows older than decay, whichever comes first.
        DateTimeOffset? pruneAt = nextChange && tierHolds.All(h => h.Until is not null) ? tierHolds.Max(h => h.Until)!.Value.AddSeconds(1) : null;
        if (decayAt is { } d && (pruneAt is null || d <= pruneAt))
        {
            return new PlanEntry(e, true, holds, null, d, Decay);
        }
        return new PlanEntry(e, true, holds, null, pruneAt, pruneAt is null ? null : Prune);
    }

    /// <summary>
    /// The deciding rule in short, as <c>list</c> shows it: <c>newest</c>, <c>pinned</c>, <c>copy parent</c>,
    /// <c>daily until 2027-01-02 14:00</c>, <c>weekly</c>, <c>daily (the 14 newest)</c>, <c>prune</c>, <c>decay</c>.
    /// </summary>
    public static string Summary(PlanEntry entry, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (!entry.Keep)
        {
            return entry.DeleteRule!;
        }
        var hold = entry.Holds[0];
        return hold.Rule is Pinned or CopyParent ? hold.Rule : hold.Describe(zone);
    }

    /// <summary>One line of words for <paramref name="entry"/>: <c>keep: daily until 2027-01-02 14:00, weekly</c> or <c>delete: prune (no rule keeps it)</c>.</summary>
    public static string Describe(PlanEntry entry, RetentionSettings settings, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(settings);
        if (!entry.Keep)
        {
            var reason = entry.DeleteRule == Decay
                ? $"decay: older than decay ({settings.Decay})"
                : "prune: " + PruneReason(entry.Entry, settings);
            return "delete: " + reason;
        }
        return "keep: " + string.Join(", ", entry.Holds.Select(h => h.Describe(zone)));
    }

    /// <summary>Why no rule keeps <paramref name="entry"/>: each tier that could have, and why it does not.</summary>
    public static string PruneReason(BackupEntry entry, RetentionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(settings);
        var reasons = new List<string>
        {
            settings.RetainAll.Count is { } newest ? $"not among the {newest} newest (retain_all)" : $"older than retain_all ({settings.RetainAll.Describe()})",
        };
        foreach (var tier in RetentionPolicy.Tiers.Skip(1))
        {
            var word = Word(tier);
            var period = settings.Of(tier);
            var first = tier switch
            {
                RetentionTier.Daily => "day",
                RetentionTier.Weekly => "week",
                RetentionTier.Monthly => "month",
                _ => "year",
            };
            if (!entry.IsIn(tier))
            {
                if (!period.IsNone)
                {
                    reasons.Add($"not the first of its {first}");
                }
            }
            else if (!period.IsNone)
            {
                reasons.Add(period.Count is not null
                    ? $"the first of its {first} but not among the {word} {period.Count} newest"
                    : $"the first of its {first} but older than retain_{word} ({period.Describe()})");
            }
        }
        return string.Join(", ", reasons);
    }
}
