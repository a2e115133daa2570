using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using SnapshotBackup.Core.Retention;
using SnapshotBackup.Core.Time;

namespace SnapshotBackup.Cli;

/// <summary>
/// What <c>list</c> shows of the copies: per snapshot the targets holding a copy of it, the snapshots kept as a
/// target's common snapshot (not candidates, whatever the policy says), and the targets that could not be listed.
/// </summary>
public sealed record ListCopies(
    IReadOnlyList<string> Targets,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Holders,
    IReadOnlySet<string> KeptForCopies,
    IReadOnlyDictionary<string, string> Unreachable)
{
    public static ListCopies None { get; } = new([], new Dictionary<string, IReadOnlyList<string>>(), new HashSet<string>(), new Dictionary<string, string>());
}

/// <summary>The <c>list</c> output: one line per backup for people, or a JSON array.</summary>
public static class ListPrinter
{
    private static readonly Dictionary<string, Pin> NoPins = new(StringComparer.Ordinal);

    /// <summary>
    /// One line per backup: name, age, the deciding rule in the words of <c>plan</c> (<paramref name="rules"/>, by
    /// name; without them the rule's word alone), then its tags. A pinned one (<paramref name="pins"/>) is no
    /// candidate and shows "pinned" and its note.
    /// </summary>
    public static string Text(
        IReadOnlyList<BackupEntry> entries, DateTimeOffset now, ListCopies? copies = null, IReadOnlyDictionary<string, Pin>? pins = null,
        IReadOnlyDictionary<string, string>? rules = null)
    {
        copies ??= ListCopies.None;
        pins ??= NoPins;
        if (entries.Count == 0)
        {
            return "no backups\n";
        }
        var ages = entries.Select(e => AgeFormatter.Format(now - e.Time)).ToList();
        var ageWidth = ages.Max(a => a.Length);
        var words = entries.Select(e => rules?.GetValueOrDefault(e.Name) ?? Rule(e, copies, pins)).ToList();
        var ruleWidth = Math.Max(12, words.Max(w => w.Length));
        var builder = new StringBuilder(entries.Count * 96);
        for (var i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            var pin = pins.GetValueOrDefault(e.Name);
            var kept = copies.KeptForCopies.Contains(e.Name) || pin is not null;
            var tags = string.Join(' ', new[]
            {
                e.Daily ? "daily" : null,
                e.Weekly ? "weekly" : null,
                e.Monthly ? "monthly" : null,
                e.Yearly ? "yearly" : null,
                e.Last ? "last" : null,
                e.PruneCandidate && !kept ? "prune candidate" : null,
                e.DecayCandidate && !kept ? "decay candidate" : null,
                copies.KeptForCopies.Contains(e.Name) ? "copy parent" : null,
                copies.Holders.TryGetValue(e.Name, out var holders) ? "copied to " + string.Join(", ", holders) : null,
                pin is null ? null : pin.Note is null ? "pinned" : "pinned: " + pin.Note,
            }.Where(t => t is not null));
            builder.Append(e.Name).Append("  ").Append(ages[i].PadRight(ageWidth)).Append("  ")
                .Append(words[i].PadRight(ruleWidth)).Append("  ").Append(tags).Append('\n');
        }
        foreach (var (target, reason) in copies.Unreachable)
        {
            builder.Append("copy target ").Append(target).Append(" not listed: ").Append(reason).Append('\n');
        }
        return builder.ToString();
    }

    /// <summary>The deciding rule's word from the entry's flags alone (no dates), when the plan's words are not given.</summary>
    private static string Rule(BackupEntry e, ListCopies copies, IReadOnlyDictionary<string, Pin> pins) =>
        e.Last ? RetentionPlan.Newest
        : pins.ContainsKey(e.Name) ? RetentionPlan.Pinned
        : copies.KeptForCopies.Contains(e.Name) ? RetentionPlan.CopyParent
        : e.DecayCandidate ? RetentionPlan.Decay
        : e.PruneCandidate ? RetentionPlan.Prune
        : RetentionPolicy.Tiers.Reverse().Where(e.KeptBy).Select(RetentionPlan.Word).FirstOrDefault() ?? RetentionPlan.Prune;

    /// <summary>
    /// A JSON array; each backup has <c>rule</c> (the deciding rule, as <c>plan</c> words it), <c>pinned</c> and
    /// <c>pin_note</c> (null without a note or a pin).
    /// </summary>
    public static string Json(
        IReadOnlyList<BackupEntry> entries, DateTimeOffset now, ListCopies? copies = null, IReadOnlyDictionary<string, Pin>? pins = null,
        IReadOnlyDictionary<string, string>? rules = null)
    {
        copies ??= ListCopies.None;
        pins ??= NoPins;
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions
        {
            Indented = true,
            // Names carry a '+' offset; the default encoder writes it as \u002B, which greps and diffs do not match.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }))
        {
            json.WriteStartArray();
            foreach (var e in entries)
            {
                json.WriteStartObject();
                json.WriteString("name", e.Name);
                json.WriteString("time", e.Name);
                json.WriteNumber("age_seconds", (long)(now - e.Time).TotalSeconds);
                json.WriteBoolean("daily", e.Daily);
                json.WriteBoolean("weekly", e.Weekly);
                json.WriteBoolean("last", e.Last);
                json.WriteBoolean("retain_all", e.InRetainAll);
                json.WriteBoolean("retain_daily", e.InRetainDaily);
                json.WriteBoolean("monthly", e.Monthly);
                json.WriteBoolean("yearly", e.Yearly);
                json.WriteBoolean("retain_weekly", e.InRetainWeekly);
                json.WriteBoolean("retain_monthly", e.InRetainMonthly);
                json.WriteBoolean("retain_yearly", e.InRetainYearly);
                json.WriteString("rule", rules?.GetValueOrDefault(e.Name) ?? Rule(e, copies, pins));
                var pin = pins.GetValueOrDefault(e.Name);
                var kept = copies.KeptForCopies.Contains(e.Name) || pin is not null;
                json.WriteBoolean("prune", e.PruneCandidate && !kept);
                json.WriteBoolean("decay", e.DecayCandidate && !kept);
                json.WriteBoolean("pinned", pin is not null);
                if (pin?.Note is { } note)
                {
                    json.WriteString("pin_note", note);
                }
                else
                {
                    json.WriteNull("pin_note");
                }
                if (copies.Targets.Count > 0)
                {
                    json.WriteBoolean("copy_parent", copies.KeptForCopies.Contains(e.Name));
                    json.WriteStartArray("copies");
                    foreach (var target in copies.Holders.GetValueOrDefault(e.Name) ?? [])
                    {
                        json.WriteStringValue(target);
                    }
                    json.WriteEndArray();
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }
}
