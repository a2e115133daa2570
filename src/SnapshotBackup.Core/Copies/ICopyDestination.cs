namespace SnapshotBackup.Core.Copies;

/// <summary>
/// One connection to a copy target: a local directory on another btrfs filesystem (<c>LocalCopyDestination</c>) or a
/// remote one behind <c>snapshotbackup serve --copies DIR</c> over ssh (<c>RemoteCopyDestination</c>). The same rules
/// hold on both: only timestamp-named entries are looked at; receives land in the target's <c>.incoming</c> directory
/// and are moved next to the copies only once verified (read-only, received_uuid as expected), never over an existing
/// name; what a cut receive leaves in <c>.incoming</c> is deleted at the next connection; only finished copies are ever
/// deleted.
/// </summary>
public interface ICopyDestination : IAsyncDisposable
{
    CopyTarget Target { get; }

    /// <summary>
    /// Reaches the target (a mounted btrfs directory; over ssh: the host answers, <c>serve</c> runs and speaks our
    /// protocol version), takes the target's lock for this connection and, unless <paramref name="dryRun"/>, deletes what
    /// cut receives left. Throws <see cref="CopyTargetUnavailableException"/> when the target cannot be reached now (a
    /// quiet skip) and <see cref="Engine.OperationFailedException"/> when it is reached but unusable (not btrfs, version
    /// mismatch, refused).
    /// </summary>
    /// <returns>The names of the partial receives deleted (or that would be, in a dry run).</returns>
    Task<IReadOnlyList<string>> ConnectAsync(bool dryRun, CancellationToken cancellationToken);

    /// <summary>The timestamp-named entries of the target directory, oldest first.</summary>
    Task<IReadOnlyList<CopyEntry>> ListAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Starts receiving the send stream of snapshot <paramref name="name"/>: write the stream into
    /// <see cref="ICopyReceive.Input"/>, then <see cref="ICopyReceive.CompleteAsync"/> verifies and publishes the copy.
    /// </summary>
    Task<ICopyReceive> BeginReceiveAsync(string name, Guid expectedReceivedUuid, CancellationToken cancellationToken);

    /// <summary>Deletes the finished copy <paramref name="name"/>; refuses anything that is not one.</summary>
    Task DeleteAsync(string name, CancellationToken cancellationToken);

    /// <summary>Free bytes on the target's filesystem, null when unknown.</summary>
    Task<long?> FreeBytesAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The highest send stream version the receiving side understands (known once connected): 2 lets the sender use
    /// <c>--proto 2 --compressed-data</c>. 1, the version every btrfs receive reads, unless a destination knows better.
    /// </summary>
    int MaxStreamVersion => 1;
}

/// <summary>One receive in progress. Disposing it before <see cref="CompleteAsync"/> aborts the receive and leaves
/// nothing on the target but what the next connection cleans.</summary>
public interface ICopyReceive : IAsyncDisposable
{
    /// <summary>Where the send stream goes (btrfs receive's standard input, locally or through ssh).</summary>
    Stream Input { get; }

    /// <summary>
    /// Closes <see cref="Input"/>, waits for the receiver, checks the result is read-only with the expected received_uuid
    /// and moves it from <c>.incoming</c> to its name (renameat2 RENAME_NOREPLACE; the kernel moves a subvolume to
    /// another directory only while it is writable, so the read-only flag is cleared for the move and set again at
    /// once, which keeps received_uuid, and the result is checked again). Throws <see cref="Engine.OperationFailedException"/> naming what
    /// failed (receiver's error output, the target disk full, a verification mismatch, the name taken by a foreign
    /// entry).
    /// </summary>
    Task<CopyEntry> CompleteAsync(CancellationToken cancellationToken);
}
