using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using SnapshotBackup.Core.Engine;
using SnapshotBackup.Core.Retention;

namespace SnapshotBackup.Cli;

/// <summary>
/// The output of <c>plan</c>: a heading with the settings, then a line per snapshot (oldest first): keep or delete,
/// the rules in the words <c>list</c> and prune's prompt use, and the next date its fate changes. Or one JSON object.
/// </summary>
public static class PlanPrinter
{
    public static string Text(RetentionPlanReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var zone = report.Zone;
        var settings = report.Settings;
        var text = new StringBuilder(128 + report.Entries.Count * 120);
        text.Append("plan of ").Append(report.Backup).Append(" at ").Append(RetentionPlan.Format(report.At, zone)).Append(": ")
            .Append(Settings(settings)).Append('\n');
        if (report.MinFree is { } minFree)
        {
            text.Append(minFree).Append('\n');
        }
        if (report.Entries.Count == 0)
        {
            text.Append("no backups\n");
            return text.ToString();
        }
        var width = report.Entries.Max(e => e.Name.Length);
        foreach (var entry in report.Entries)
        {
            text.Append(entry.Name.PadRight(width)).Append("  ").Append(entry.Keep ? "keep  " : "delete").Append("  ")
                .Append(Words(entry, settings, zone));
            if (entry.NextChange is { } change)
            {
                text.Append("; from ").Append(RetentionPlan.Format(change, zone)).Append(": ")
                    .Append(entry.NextFate == RetentionPlan.Decay ? "decay candidate" : "prune candidate");
            }
            if (entry.MinFreeRank is { } rank)
            {
                text.Append("; min_free #").Append(rank);
            }
            text.Append('\n');
        }
        var keep = report.Entries.Count(e => e.Keep);
        text.Append(CultureInfo.InvariantCulture, $"{keep} kept, {report.Entries.Count - keep} to delete ")
            .Append("(prune deletes the prune candidates, decay the decay candidates)\n");
        return text.ToString();
    }

    /// <summary>The rules of <paramref name="entry"/> without the keep/delete word: <c>daily until 2027-01-02 14:00, weekly</c>, <c>prune: ...</c>.</summary>
    public static string Words(PlanEntry entry, RetentionSettings settings, TimeZoneInfo zone)
    {
        var words = RetentionPlan.Describe(entry, settings, zone);
        return words[(words.IndexOf(": ", StringComparison.Ordinal) + 2)..];
    }

    /// <summary><c>retain_all 1 day, retain_daily 1 month, retain_weekly forever, decay 1 year</c> (tiers that are none left out).</summary>
    public static string Settings(RetentionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var parts = RetentionPolicy.Tiers
            .Where(t => !settings.Of(t).IsNone)
            .Select(t => $"{Key(t)} {settings.Of(t)}")
            .Append($"decay {settings.Decay}");
        return string.Join(", ", parts);
    }

    private static string Key(RetentionTier tier) => tier == RetentionTier.All ? "retain_all" : "retain_" + RetentionPlan.Word(tier);

    public static string Json(RetentionPlanReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var zone = report.Zone;
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("backup", report.Backup);
            json.WriteString("at", report.At);
            json.WriteStartObject("settings");
            foreach (var tier in RetentionPolicy.Tiers)
            {
                json.WriteString(Key(tier), report.Settings.Of(tier).ToString());
            }
            json.WriteString("decay", report.Settings.Decay.ToString());
            json.WriteEndObject();
            if (report.MinFree is { } minFree)
            {
                json.WriteString("min_free", minFree);
            }
            else
            {
                json.WriteNull("min_free");
            }
            json.WriteStartArray("snapshots");
            foreach (var entry in report.Entries)
            {
                json.WriteStartObject();
                json.WriteString("name", entry.Name);
                json.WriteString("action", entry.Keep ? "keep" : "delete");
                json.WriteString("rule", entry.Rule);
                json.WriteString("reason", Words(entry, report.Settings, zone));
                json.WriteStartArray("kept_by");
                foreach (var hold in entry.Holds)
                {
                    json.WriteStartObject();
                    json.WriteString("rule", hold.Rule);
                    if (hold.Until is { } until)
                    {
                        json.WriteString("until", until);
                    }
                    else
                    {
                        json.WriteNull("until");
                    }
                    if (hold.Detail is { } detail)
                    {
                        json.WriteString("detail", detail);
                    }
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                if (entry.NextChange is { } change)
                {
                    json.WriteString("next_change", change);
                    json.WriteString("next_fate", entry.NextFate == RetentionPlan.Decay ? "decay" : "prune");
                }
                else
                {
                    json.WriteNull("next_change");
                    json.WriteNull("next_fate");
                }
                if (entry.MinFreeRank is { } rank)
                {
                    json.WriteNumber("min_free_rank", rank);
                }
                else
                {
                    json.WriteNull("min_free_rank");
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartArray("skipped");
            foreach (var skipped in report.Skipped)
            {
                json.WriteStringValue(skipped);
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }
}
