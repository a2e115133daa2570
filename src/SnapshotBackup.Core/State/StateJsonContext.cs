using System.Text.Json.Serialization;

namespace SnapshotBackup.Core.State;

[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DaemonState))]
internal sealed partial class StateJsonContext : JsonSerializerContext;
