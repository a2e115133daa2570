using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace SnapshotBackup.Core.State;

/// <summary>
/// The daemon's state file (default <c>/var/lib/snapshotbackup/state.json</c>, or <c>$STATE_DIRECTORY/state.json</c>
/// under systemd, or for a normal user <c>~/.local/state/snapshotbackup/state.json</c>; see <see cref="Locate(Func{string, string?})"/>), written atomically: a temp file in the same directory, fsync, rename.
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

    /// <summary>
    /// Where the daemon keeps its state: <c>$STATE_DIRECTORY/state.json</c> (systemd's StateDirectory=, for a user unit
    /// too), else <see cref="DefaultPath"/> for root, else the user's <c>$XDG_STATE_HOME/snapshotbackup/state.json</c>
    /// (<c>~/.local/state/snapshotbackup/state.json</c>): a normal user cannot write under /var/lib.
    /// </summary>
    public static string Locate(Func<string, string?> environment) => Locate(environment, Internal.LibC.GetEUid() == 0);

    /// <inheritdoc cref="Locate(Func{string, string?})"/>
    public static string Locate(Func<string, string?> environment, bool root)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (environment("STATE_DIRECTORY") is { Length: > 0 } dir)
        {
            return System.IO.Path.Combine(dir.Split(':')[0], "state.json");
        }
        if (root)
        {
            return DefaultPath;
        }
        var stateHome = environment("XDG_STATE_HOME") is { Length: > 0 } xdg && xdg.StartsWith('/')
            ? xdg
            : environment("HOME") is { Length: > 0 } home && home.StartsWith('/') ? System.IO.Path.Combine(home, ".local", "state") : null;
        return stateHome is null ? DefaultPath : System.IO.Path.Combine(stateHome, "snapshotbackup", "state.json");
    }

    /// <summary>
    /// The state file the command reads (<c>status</c>, and <c>backup</c> for the last success): <see cref="Locate(Func{string, string?})"/>'s; for a
    /// normal user who has none there, the system daemon's (<see cref="DefaultPath"/>) when it exists.
    /// </summary>
    public static string LocateToRead(Func<string, string?> environment, bool root, Func<string, bool> exists)
    {
        ArgumentNullException.ThrowIfNull(exists);
        var own = Locate(environment, root);
        return root || own == DefaultPath || exists(own) || !exists(DefaultPath) ? own : DefaultPath;
    }

    /// <inheritdoc cref="LocateToRead(Func{string, string?}, bool, Func{string, bool})"/>
    public static string LocateToRead(Func<string, string?> environment) =>
        LocateToRead(environment, Internal.LibC.GetEUid() == 0, File.Exists);

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
        FileSystem.AtomicFile.Write(Path, stream => JsonSerializer.Serialize(stream, state, TypeInfo));
    }
}
