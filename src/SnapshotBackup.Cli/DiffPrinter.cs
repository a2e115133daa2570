using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using SnapshotBackup.Core.History;

namespace SnapshotBackup.Cli;

/// <summary>
/// The <c>diff</c> output: <c>+ path</c>, <c>- path</c>, <c>M path (content; metadata: mode, mtime)</c> (directories
/// end in <c>/</c>), then the summary line; <c>--stat</c> the summary alone; <c>--json</c> one object.
/// </summary>
public static class DiffPrinter
{
    public static string Text(DiffResult result, bool statOnly)
    {
        ArgumentNullException.ThrowIfNull(result);
        var builder = new StringBuilder();
        if (!statOnly)
        {
            foreach (var e in result.Entries)
            {
                builder.Append(e.Change switch { ChangeKind.Added => "+ ", ChangeKind.Deleted => "- ", _ => "M " })
                    .Append(e.Path)
                    .Append(e.Type == EntryType.Directory ? "/" : string.Empty);
                if (e.Detail is { } detail)
                {
                    builder.Append(" (").Append(detail).Append(')');
                }
                builder.Append('\n');
            }
        }
        var t = Totals.Of(result.Entries);
        builder.Append(CultureInfo.InvariantCulture,
            $"{t.Added} added ({t.AddedBytes:N0} bytes), {t.Deleted} deleted ({t.DeletedBytes:N0} bytes), {t.Modified} modified ({t.ModifiedBytes:N0} bytes)\n");
        return builder.ToString();
    }

    public static string Json(DiffResult result, string a, string b)
    {
        ArgumentNullException.ThrowIfNull(result);
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("method", result.Method);
            json.WriteString("reason", result.Reason);
            json.WriteString("a", a);
            json.WriteString("b", b);
            json.WriteStartArray("entries");
            foreach (var e in result.Entries)
            {
                json.WriteStartObject();
                json.WriteString("path", e.Path);
                json.WriteString("change", e.Change switch { ChangeKind.Added => "added", ChangeKind.Deleted => "deleted", _ => "modified" });
                json.WriteString("type", e.Type.Name());
                json.WriteNumber("size", e.Size);
                if (e.Detail is { } detail)
                {
                    json.WriteString("old_type", e.OldType!.Value.Name());
                    json.WriteNumber("old_size", e.OldSize ?? 0);
                    json.WriteBoolean("content", detail.Content);
                    json.WriteStartArray("metadata");
                    foreach (var field in detail.Metadata)
                    {
                        json.WriteStringValue(field);
                    }
                    json.WriteEndArray();
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
            var t = Totals.Of(result.Entries);
            json.WriteStartObject("totals");
            WriteTotal(json, "added", t.Added, t.AddedBytes);
            WriteTotal(json, "deleted", t.Deleted, t.DeletedBytes);
            WriteTotal(json, "modified", t.Modified, t.ModifiedBytes);
            json.WriteEndObject();
            json.WriteStartArray("unreadable");
            foreach (var u in result.Unreadable)
            {
                json.WriteStringValue(u);
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static void WriteTotal(Utf8JsonWriter json, string name, int count, long bytes)
    {
        json.WriteStartObject(name);
        json.WriteNumber("count", count);
        json.WriteNumber("bytes", bytes);
        json.WriteEndObject();
    }

    /// <summary>
    /// Counts per kind; bytes are regular files' sizes: added (in B), deleted (in A), modified with changed contents (in B).
    /// </summary>
    private readonly record struct Totals(int Added, long AddedBytes, int Deleted, long DeletedBytes, int Modified, long ModifiedBytes)
    {
        public static Totals Of(IReadOnlyList<DiffEntry> entries)
        {
            var t = new Totals();
            foreach (var e in entries)
            {
                t = e.Change switch
                {
                    ChangeKind.Added => t with { Added = t.Added + 1, AddedBytes = t.AddedBytes + e.Size },
                    ChangeKind.Deleted => t with { Deleted = t.Deleted + 1, DeletedBytes = t.DeletedBytes + e.Size },
                    _ => t with { Modified = t.Modified + 1, ModifiedBytes = t.ModifiedBytes + (e.Detail!.Content ? e.Size : 0) },
                };
            }
            return t;
        }
    }
}
