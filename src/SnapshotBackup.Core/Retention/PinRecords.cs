using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SnapshotBackup.Core.Retention;

/// <summary>One pinned snapshot: why (the admin's note, null when none was given) and since when.</summary>
public sealed record Pin(string? Note, DateTimeOffset Pinned);

/// <summary>The pins file cannot be read: pinned snapshots cannot be told apart, so nothing may be deleted.</summary>
public sealed class PinsUnreadableException : Exception
{
    public PinsUnreadableException(string message, Exception inner) : base(MessageText.Abbreviate(message), inner)
    {
    }

    public PinsUnreadableException(string message) : base(MessageText.Abbreviate(message))
    {
    }

    public PinsUnreadableException()
    {
    }
}

/// <summary>
/// The pinned snapshots of one backups directory: a small JSON file beside the snapshots (<see cref="FileName"/>),
/// keyed by snapshot name, so that a pin survives a reinstall and moves with the disk (a read-only snapshot cannot take
/// an xattr). Prune and decay never delete a pinned snapshot. Unlike <c>.copies.json</c> this is no cache: a file that
/// exists but cannot be read throws <see cref="PinsUnreadableException"/> rather than reading as "no pins", so that a
/// damaged file never lets retention delete a pinned snapshot. Written atomically (temporary file, fsync, rename)
/// under the volume's lock; its name starts with '.', so no listing takes it for a snapshot.
/// </summary>
public sealed class PinRecords(string volumePath)
{
    public const string FileName = ".pins.json";

    /// <summary>Names carry a '+' offset and notes may be in any language: written as they are, not as \u escapes, for people and greps.</summary>
    private static readonly PinRecordsJsonContext Json = new(new JsonSerializerOptions
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    public string Path { get; } = System.IO.Path.Combine(volumePath, FileName);

    /// <summary>The pins by snapshot name; empty when there is no file. Throws <see cref="PinsUnreadableException"/> when it cannot be read.</summary>
    public IReadOnlyDictionary<string, Pin> Read()
    {
        try
        {
            using var stream = File.OpenRead(Path);
            var pins = JsonSerializer.Deserialize(stream, Json.DictionaryStringPin)
                       ?? throw new JsonException("the file holds null, not an object of pins");
            if (pins.FirstOrDefault(p => p.Value is null) is { Key: { } empty })
            {
                throw new JsonException($"the pin of {empty} is null");
            }
            return new Dictionary<string, Pin>(pins, StringComparer.Ordinal);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return new Dictionary<string, Pin>(StringComparer.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or NotSupportedException)
        {
            throw new PinsUnreadableException(
                $"the pins file {Path} cannot be read ({e.Message}); which snapshots are pinned is unknown, so nothing is deleted. " +
                "Fix the file, or remove it (every pin is then lost) and pin again.", e);
        }
    }

    /// <summary>Writes <paramref name="pins"/>; with none left the file is removed.</summary>
    public void Write(IReadOnlyDictionary<string, Pin> pins)
    {
        ArgumentNullException.ThrowIfNull(pins);
        if (pins.Count == 0)
        {
            File.Delete(Path);
            return;
        }
        var sorted = new SortedDictionary<string, Pin>(pins.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal), StringComparer.Ordinal);
        FileSystem.AtomicFile.Write(Path, stream => JsonSerializer.Serialize(stream, new Dictionary<string, Pin>(sorted, StringComparer.Ordinal), Json.DictionaryStringPin));
    }
}

[JsonSerializable(typeof(Dictionary<string, Pin>))]
internal sealed partial class PinRecordsJsonContext : JsonSerializerContext;
