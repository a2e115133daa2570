using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using SnapshotBackup.Core.Engine;

namespace SnapshotBackup.Cli;

/// <summary>The output of prune, decay and destroy: what was deleted, or for a dry run what would be and why.</summary>
public static class DeletePrinter
{
    public static string Text(DeleteOutcome outcome, bool dryRun)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var text = new StringBuilder();
        foreach (var name in outcome.Deleted)
        {
            text.Append("deleted ").Append(name).Append('\n');
        }
        foreach (var planned in outcome.WouldDelete)
        {
            text.Append("would delete ").Append(planned.Name).Append("  (").Append(planned.Reason).Append(")\n");
        }
        if (dryRun)
        {
            text.Append(outcome.WouldDelete.Count == 0 ? "dry run: nothing would be deleted\n" : "dry run: nothing was deleted\n");
        }
        return text.ToString();
    }

    public static string Json(DeleteOutcome outcome, bool dryRun)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteBoolean("dry_run", dryRun);
            WriteNames(json, "deleted", outcome.Deleted);
            json.WriteStartArray("would_delete");
            foreach (var planned in outcome.WouldDelete)
            {
                json.WriteStartObject();
                json.WriteString("name", planned.Name);
                json.WriteString("reason", planned.Reason);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            WriteNames(json, "declined", outcome.Declined);
            WriteNames(json, "skipped", outcome.Skipped);
            WriteNames(json, "failed", outcome.Failed);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static void WriteNames(Utf8JsonWriter json, string property, IReadOnlyList<string> names)
    {
        json.WriteStartArray(property);
        foreach (var name in names)
        {
            json.WriteStringValue(name);
        }
        json.WriteEndArray();
    }
}
