using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using SnapshotBackup.Core.History;

namespace SnapshotBackup.Cli;

/// <summary>The <c>versions</c> output: one line per version for people, or a JSON object.</summary>
public static class VersionsPrinter
{
    public static string Text(string path, IReadOnlyList<VersionSpan> versions, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(versions);
        if (versions.Count == 0)
        {
            return "no snapshots\n";
        }
        var spans = versions.Select(v => v.Count == 1
            ? $"{v.First} (1 snapshot)"
            : $"{v.First} … {v.Last} ({v.Count.ToString(CultureInfo.InvariantCulture)} snapshots)").ToList();
        var width = spans.Max(s => s.Length);
        var builder = new StringBuilder();
        for (var i = 0; i < versions.Count; i++)
        {
            builder.Append(spans[i].PadRight(width)).Append("  ");
            if (versions[i].State is not { } state)
            {
                builder.Append("absent");
            }
            else
            {
                builder.Append(state.Type.Name()).Append("  ");
                if (state.Type == EntryType.File)
                {
                    builder.Append(state.Size.ToString("N0", CultureInfo.InvariantCulture)).Append(" bytes  ");
                }
                builder.Append(LocalTime(state.Mtime, zone));
            }
            builder.Append('\n');
        }
        _ = path;
        return builder.ToString();
    }

    public static string Json(string path, IReadOnlyList<VersionSpan> versions, IReadOnlyList<string> unreadable, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(versions);
        ArgumentNullException.ThrowIfNull(unreadable);
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("path", path.Length == 0 ? "." : path);
            json.WriteStartArray("versions");
            foreach (var v in versions)
            {
                json.WriteStartObject();
                json.WriteString("first", v.First);
                json.WriteString("last", v.Last);
                json.WriteNumber("snapshots", v.Count);
                json.WriteBoolean("absent", v.State is null);
                if (v.State is { } s)
                {
                    json.WriteString("type", s.Type.Name());
                    json.WriteNumber("size", s.Type == EntryType.File ? s.Size : 0);
                    json.WriteString("mtime", LocalTime(s.Mtime, zone, precise: true));
                    json.WriteNumber("mtime_ns", (s.MtimeSeconds * 1_000_000_000L) + s.MtimeNanoseconds);
                    json.WriteString("mode", Convert.ToString(s.Permissions, 8).PadLeft(4, '0'));
                    json.WriteNumber("uid", s.Uid);
                    json.WriteNumber("gid", s.Gid);
                    json.WriteNumber("inode", s.Inode);
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartArray("unreadable");
            foreach (var u in unreadable)
            {
                json.WriteStringValue(u);
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    internal static string LocalTime(DateTimeOffset time, TimeZoneInfo zone, bool precise = false) =>
        TimeZoneInfo.ConvertTime(time, zone).ToString(precise ? "yyyy-MM-dd'T'HH:mm:ss.fffffffzzz" : "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
