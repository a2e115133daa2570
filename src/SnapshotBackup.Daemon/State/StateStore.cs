using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.State;

namespace SnapshotBackup.Daemon.State;

/// <summary>The daemon's per-section state, kept in memory and written atomically to the state file on every change.</summary>
internal sealed class StateStore
{
    private readonly StateFile _file;
    private readonly ILogger<StateStore> _logger;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private DaemonState _state;

    public StateStore(StateFile file, TimeProvider time, ILogger<StateStore> logger)
    {
        _file = file;
        _time = time;
        _logger = logger;
        var previous = file.Read();
        _state = new DaemonState
        {
            Pid = Environment.ProcessId,
            Started = time.GetLocalNow(),
            Sections = previous?.Sections ?? new Dictionary<string, SectionState>(StringComparer.Ordinal),
        };
    }

    public string Path => _file.Path;

    public SectionState Get(string name)
    {
        lock (_lock)
        {
            return _state.Sections.TryGetValue(name, out var s) ? s : new SectionState();
        }
    }

    public void Update(string name, Func<SectionState, SectionState> change)
    {
        lock (_lock)
        {
            var current = _state.Sections.TryGetValue(name, out var s) ? s : new SectionState();
            _state.Sections[name] = change(current);
            Save();
        }
    }

    /// <summary>Forgets sections that are no longer configured.</summary>
    public void Retain(IEnumerable<string> names)
    {
        var keep = names.ToHashSet(StringComparer.Ordinal);
        lock (_lock)
        {
            foreach (var name in _state.Sections.Keys.Where(n => !keep.Contains(n)).ToList())
            {
                _state.Sections.Remove(name);
            }
            Save();
        }
    }

    public void SetStatus(string status)
    {
        lock (_lock)
        {
            if (_state.Status == status)
            {
                return;
            }
            _state = _state with { Status = status };
            Save();
        }
    }

    private void Save()
    {
        try
        {
            _state = _state with { Updated = _time.GetLocalNow() };
            _file.Write(_state);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("cannot write the state file {Path}: {Message}", _file.Path, e.Message);
        }
    }
}
