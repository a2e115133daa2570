namespace SnapshotBackup.Core.Engine;

/// <summary>Checks that a source can be read before anything is written (<see cref="SourceProbe"/>).</summary>
public interface ISourceProbe
{
    /// <summary>Throws <see cref="SourceUnavailableException"/> when the source is not reachable.</summary>
    Task CheckAsync(string source, CancellationToken cancellationToken);
}
