using SnapshotBackup.Core.Engine;
using SnapshotBackup.Core.Processes;

namespace SnapshotBackup.Core.Copies;

/// <summary><c>btrfs receive -e DIR/.incoming</c> reading the stream from its standard input, then the verification and
/// the move next to the copies.</summary>
internal sealed class LocalCopyReceive(LocalCopyDestination destination, PipedProcess process, string name, Guid expectedReceivedUuid) : ICopyReceive
{
    public Stream Input => process.Input;

    public async Task<CopyEntry> CompleteAsync(CancellationToken cancellationToken)
    {
        process.CloseInput();
        var result = await process.WaitAsync(destination.ReceiveTimeout, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new OperationFailedException(destination.ReceiveFailure(name, result));
        }
        return destination.Publish(name, expectedReceivedUuid);
    }

    public ValueTask DisposeAsync() => process.DisposeAsync();
}
