using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using SnapshotBackup.Core.Retention;
using SnapshotBackup.Core.Time;

namespace SnapshotBackup.Cli;

/// <summary>The <c>list</c> output: one line per backup for people, or a JSON array.</summary>
public static class ListPrinter
{
    public static string Text(IReadOnlyList<BackupEntry> entries, DateTimeOffset now)
    {
        if (entries.Count == 0)
        {
            return "no backups\n";
        }
        var ages = entries.Select(e => AgeFormatter.Format(now - e.Time)).ToList();
        var ageWidth = ages.Max(a => a.Length);
        var builder = new StringBuilder(entries.Count * 96);
        for (var i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            var retain = e.InRetainAll ? "retain_all" : e.InRetainDaily ? "retain_daily" : string.Empty;
            var tags = string.Join(' ', new[]
            {
                e.Daily ? "daily" : null,
                e.Weekly ? "weekly" : null,
                e.Last ? "last" : null,
                e.PruneCandidate ? "prune candidate" : null,
                e.DecayCandidate ? "decay candidate" : null,
            }.Where(t => t is not null));
            builder.Append(e.Name).Append("  ").Append(ages[i].PadRight(ageWidth)).Append("  ")
                .Append(retain.PadRight(12)).Append("  ").Append(tags).Append('\n');
        }
        return builder.ToString();
    }

    public static string Json(IReadOnlyList<BackupEntry> entries, DateTimeOffset now)
    {
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
                json.WriteBoolean("prune", e.PruneCandidate);
                json.WriteBoolean("decay", e.DecayCandidate);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }
}
