using System.Text.Json;
using System.Text.Json.Serialization;

namespace SnapshotBackup.Core.Copies;

/// <summary>
/// The copy records of one backups directory: a small JSON file beside the snapshots (<see cref="FileName"/>), keyed by
/// target, so that it moves with the disk and the command and the daemon (root or a normal user owning the volume) see
/// the same. Written atomically (temporary file, fsync, rename) under the volume's lock; never a snapshot, never listed.
/// </summary>
public sealed class CopyRecords(string volumePath)
{
    public const string FileName = ".copies.json";

    public string Path { get; } = System.IO.Path.Combine(volumePath, FileName);

    /// <summary>The records by target spec; empty when there are none or the file cannot be read (it is only a cache of
    /// what the targets hold, rebuilt by the next copy).</summary>
    public IReadOnlyDictionary<string, CopyRecord> Read()
    {
        try
        {
            using var stream = File.OpenRead(Path);
            return JsonSerializer.Deserialize(stream, CopyRecordsJsonContext.Default.DictionaryStringCopyRecord)
                   ?? new Dictionary<string, CopyRecord>(StringComparer.Ordinal);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return new Dictionary<string, CopyRecord>(StringComparer.Ordinal);
        }
    }

    /// <summary>Changes the record of <paramref name="target"/> (null when there is none yet) and writes the file.</summary>
    public CopyRecord Update(string target, Func<CopyRecord?, CopyRecord> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var records = new Dictionary<string, CopyRecord>(Read(), StringComparer.Ordinal);
        var updated = change(records.GetValueOrDefault(target));
        records[target] = updated;
        Write(records);
        return updated;
    }

    private void Write(Dictionary<string, CopyRecord> records)
    {
        FileSystem.AtomicFile.Write(Path, stream => JsonSerializer.Serialize(stream, records, CopyRecordsJsonContext.Default.DictionaryStringCopyRecord));
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Dictionary<string, CopyRecord>))]
internal sealed partial class CopyRecordsJsonContext : JsonSerializerContext;
