using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace SnapshotBackup.Core.State;

/// <summary>
/// The daemon's state file (default <c>/var/lib/snapshotbackup/state.json</c>, or <c>$STATE_DIRECTORY/state.json</c>
/// under systemd), written atomically: a temp file in the same directory, fsync, rename.
/// </summary>
public sealed class StateFile(string path)
{
    public const string DefaultPath = "/var/lib/snapshotbackup/state.json";

    private static readonly JsonTypeInfo<DaemonState> TypeInfo = (JsonTypeInfo<DaemonState>)new JsonSerializerOptions(StateJsonContext.Default.Options)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = StateJsonContext.Default,
    }.GetTypeInfo(typeof(DaemonState));

    // Absolute: a relative --state-file (e.g. "state.json") has no directory part to create or write the temp file in.
    public string Path { get; } = System.IO.Path.GetFullPath(path);

    /// <summary>The path from <c>$STATE_DIRECTORY</c> (systemd's StateDirectory=) or the default.</summary>
    public static string Locate(Func<string, string?> environment) =>
        environment("STATE_DIRECTORY") is { Length: > 0 } dir
            ? System.IO.Path.Combine(dir.Split(':')[0], "state.json")
            : DefaultPath;

    /// <summary>The state, or null when there is none (never ran) or it cannot be read (see <see cref="Load"/>).</summary>
    public DaemonState? Read()
    {
        try
        {
            return Load();
        }
        catch (StateFileException)
        {
            return null;
        }
    }

    /// <summary>The state, or null when there is no state file (the daemon never ran).</summary>
    /// <exception cref="StateFileException">The file exists but cannot be read, or is not a valid state.</exception>
    public DaemonState? Load()
    {
        try
        {
            using var stream = File.OpenRead(Path);
            return JsonSerializer.Deserialize(stream, TypeInfo)
                ?? throw new StateFileException($"the daemon's state file {Path} is corrupt: it holds null, not a state");
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (JsonException e)
        {
            throw new StateFileException($"the daemon's state file {Path} is corrupt: {e.Message}", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StateFileException($"the daemon's state file {Path} cannot be read: {e.Message}", e);
        }
    }

    public void Write(DaemonState state)
    {
        var directory = System.IO.Path.GetDirectoryName(Path)!;
        Directory.CreateDirectory(directory);
        var temp = System.IO.Path.Combine(directory, $".{System.IO.Path.GetFileName(Path)}.{Environment.ProcessId}.tmp");
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, state, TypeInfo);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, Path, overwrite: true);
    }
}
