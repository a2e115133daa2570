using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Core.Engine;
using SnapshotBackup.Core.Internal;
using SnapshotBackup.Core.Processes;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Core.Copies;

/// <summary>
/// A copy target that is a directory on a mounted btrfs filesystem of this machine: the target of a local
/// <c>copy_to</c>, and what <c>snapshotbackup serve --copies DIR</c> works on at the remote end. Every entry is reached
/// relative to the directory's descriptor with O_NOFOLLOW; the connection holds an exclusive flock(2) on the directory.
/// </summary>
public sealed class LocalCopyDestination : ICopyDestination
{
    public const string IncomingName = ".incoming";

    private readonly string? _sourceVolume;
    private readonly ILogger _logger;
    private readonly IMountTable _mountTable;
    private int _dirFd = -1;
    private int _incomingFd = -1;
    /// <summary>The local btrfs's send stream version, asked in the background from connect on (a process spawn).</summary>
    private Task<int>? _streamVersion;

    /// <param name="target">A local target (no host).</param>
    /// <param name="sourceVolume">The backups directory the copies come from: a target on its filesystem is refused.
    /// Null on the receiving end of <c>serve</c>, which has no source.</param>
    /// <param name="logger">Where the receive's output and the cleaning are logged.</param>
    /// <param name="mountTable">For "disk not mounted"; this system's by default.</param>
    public LocalCopyDestination(CopyTarget target, string? sourceVolume, ILogger logger, IMountTable? mountTable = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.IsRemote)
        {
            throw new ArgumentException($"{target} is a remote target", nameof(target));
        }
        Target = target;
        _sourceVolume = sourceVolume;
        _logger = logger;
        _mountTable = mountTable ?? MountTable.System;
    }

    public CopyTarget Target { get; }

    public string Path => Target.Path;

    public string IncomingPath => System.IO.Path.Combine(Path, IncomingName);

    public string BtrfsPath { get; init; } = ProgramLocator.Find("btrfs", Environment.GetEnvironmentVariable("PATH")) ?? "btrfs";

    /// <summary>How long the connection waits for another copy to the same directory to finish.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Run btrfs receive chrooted into <c>.incoming</c> (<c>-C</c>): for streams from elsewhere (<c>serve</c>).</summary>
    public bool ChrootReceive { get; init; }

    /// <summary>The longest one receive may take.</summary>
    public TimeSpan ReceiveTimeout { get; init; } = TimeSpan.FromHours(24);

    public int MaxStreamVersion => _streamVersion?.GetAwaiter().GetResult() ?? 1;

    public async Task<IReadOnlyList<string>> ConnectAsync(bool dryRun, CancellationToken cancellationToken)
    {
        if (_dirFd >= 0)
        {
            throw new InvalidOperationException("already connected");
        }
        if (_mountTable.UnmountedMountPoint(Path) is { } mountPoint)
        {
            throw new CopyTargetUnavailableException(
                $"copy target {Path} is on {mountPoint}, which /etc/fstab mounts but is not mounted now (disk not plugged in?)");
        }
        if (!Directory.Exists(Path))
        {
            throw new CopyTargetUnavailableException($"copy target {Path} does not exist (disk not mounted?)");
        }
        if (!BtrfsManager.Instance.IsBtrfs(Path))
        {
            throw new CopyTargetUnavailableException(
                $"copy target {Path} is not on a btrfs filesystem (disk not mounted? its mount point is used otherwise)");
        }
        if (_sourceVolume is not null && BtrfsManager.FileSystemId(Path) is { } targetFs && BtrfsManager.FileSystemId(_sourceVolume) == targetFs)
        {
            throw new OperationFailedException(
                $"copy target {Path} is on the same btrfs filesystem as the backups {_sourceVolume}: a copy there does not survive the disk; choose a directory on another disk");
        }
        var fd = LibC.Open(Path, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC, 0);
        if (fd < 0)
        {
            throw new OperationFailedException($"cannot open copy target {Path}: {LibC.ErrorText(Marshal.GetLastPInvokeError())}");
        }
        try
        {
            await LockAsync(fd, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            LibC.Close(fd);
            throw;
        }
        _dirFd = fd;
        var btrfs = BtrfsPath;
        _streamVersion = Task.Run(() => SendStreamVersion.Local(btrfs, _logger), CancellationToken.None);
        return dryRun ? PartialsInIncoming(delete: false) : Clean();
    }

    private async Task LockAsync(int fd, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + LockTimeout;
        var told = false;
        while (LibC.Flock(fd, LibC.LOCK_EX | LibC.LOCK_NB) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno != LibC.EWOULDBLOCK)
            {
                throw new OperationFailedException($"cannot lock copy target {Path}: {LibC.ErrorText(errno)}");
            }
            if (DateTime.UtcNow >= deadline)
            {
                throw new OperationFailedException(
                    $"another copy to {Path} is running (it holds the target's lock); waited {LockTimeout.TotalSeconds:0} s. Try again when it has finished");
            }
            if (!told)
            {
                _logger.LogInformation("another copy to {Target} is running; waiting up to {Timeout}", Path, LockTimeout);
                told = true;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Creates <c>.incoming</c> when missing and deletes every subvolume in it (cut receives).</summary>
    private List<string> Clean()
    {
        if (LibC.MkdirAt(_dirFd, IncomingName, Convert.ToInt32("700", 8)) != 0 && Marshal.GetLastPInvokeError() is var errno && errno != LibC.EEXIST)
        {
            throw new OperationFailedException($"cannot create {IncomingPath}: {LibC.ErrorText(errno)}");
        }
        _incomingFd = OpenIncoming() ?? throw new OperationFailedException($"cannot open {IncomingPath}");
        return PartialsInIncoming(delete: true);
    }

    private int? OpenIncoming()
    {
        var fd = LibC.OpenAt(_dirFd, IncomingName, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0);
        if (fd >= 0)
        {
            return fd;
        }
        var errno = Marshal.GetLastPInvokeError();
        if (errno == LibC.ENOENT)
        {
            return null;
        }
        throw new OperationFailedException(
            $"cannot open {IncomingPath}: {LibC.ErrorText(errno)} (it must be a directory, not a symlink)");
    }

    private List<string> PartialsInIncoming(bool delete)
    {
        var fd = _incomingFd >= 0 ? _incomingFd : OpenIncoming();
        if (fd is not { } incoming)
        {
            return [];
        }
        try
        {
            var found = new List<string>();
            foreach (var name in EntryNames(IncomingPath))
            {
                var kind = BtrfsManager.Inspect(incoming, name);
                if (kind is not (SubvolumeKind.WritableSubvolume or SubvolumeKind.ReadOnlySubvolume))
                {
                    _logger.LogWarning("{Entry} in {Incoming} is {Kind}, not a cut receive: left alone", name, IncomingPath, BackupVolume.Describe(kind));
                    continue;
                }
                if (delete)
                {
                    try
                    {
                        BtrfsManager.DeleteSubvolume(incoming, IncomingPath, name);
                    }
                    catch (BtrfsException e)
                    {
                        throw new OperationFailedException($"cannot delete the cut receive {name} in {IncomingPath}: {e.Message}", e);
                    }
                    _logger.LogInformation("deleted the cut receive {Name} in {Incoming}", name, IncomingPath);
                }
                found.Add(name);
            }
            return found;
        }
        finally
        {
            if (incoming != _incomingFd)
            {
                LibC.Close(incoming);
            }
        }
    }

    public Task<IReadOnlyList<CopyEntry>> ListAsync(CancellationToken cancellationToken)
    {
        EnsureConnected();
        var entries = new List<CopyEntry>();
        foreach (var name in EntryNames(Path))
        {
            if (!SnapshotName.TryParse(name, out var time))
            {
                continue;
            }
            entries.Add(new CopyEntry(name, time, BtrfsManager.Inspect(_dirFd, name), BtrfsManager.Identify(_dirFd, name)));
        }
        entries.Sort((a, b) => a.Time != b.Time ? a.Time.CompareTo(b.Time) : string.CompareOrdinal(a.Name, b.Name));
        return Task.FromResult<IReadOnlyList<CopyEntry>>(entries);
    }

    public Task<ICopyReceive> BeginReceiveAsync(string name, Guid expectedReceivedUuid, CancellationToken cancellationToken)
    {
        EnsureConnected();
        if (_incomingFd < 0)
        {
            throw new InvalidOperationException("connected for a dry run: nothing can be received");
        }
        if (!SnapshotName.TryParse(name, out _))
        {
            throw new OperationFailedException($"'{name}' is not a snapshot name");
        }
        if (BtrfsManager.Inspect(_incomingFd, name) != SubvolumeKind.Missing)
        {
            // Left by a receive of this connection that failed: the next connection cleans it.
            throw new OperationFailedException($"{System.IO.Path.Combine(IncomingPath, name)} exists already (a failed receive); copy again");
        }
        // -C (serve): chrooted into .incoming. A stream builds on its parent copy, whose symlinks the stream cannot be
        // checked against (a backup of / has var/run -> /run): without it a hostile stream (a stolen key of
        // `serve --copies`) writes through one anywhere on the host. The parent and clone sources are still found (by
        // uuid, from the mount). A local copy receives what our own btrfs send made of our own snapshot: no chroot, so
        // the daemon's unit needs no CAP_SYS_CHROOT.
        var command = new ExternalCommand(BtrfsPath, ChrootReceive ? ["receive", "-C", "-e", IncomingPath] : ["receive", "-e", IncomingPath]);
        var process = PipedProcess.Start(command, _logger, writeInput: true, readOutput: false);
        return Task.FromResult<ICopyReceive>(new LocalCopyReceive(this, process, name, expectedReceivedUuid));
    }

    public Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        EnsureConnected();
        if (!SnapshotName.TryParse(name, out _))
        {
            throw new OperationFailedException($"refusing to delete '{name}' in {Path}: not a snapshot name");
        }
        var kind = BtrfsManager.Inspect(_dirFd, name);
        var identity = BtrfsManager.Identify(_dirFd, name);
        if (kind != SubvolumeKind.ReadOnlySubvolume || identity is not { IsReceived: true })
        {
            throw new OperationFailedException(
                $"refusing to delete {System.IO.Path.Combine(Path, name)}: it is {(kind == SubvolumeKind.ReadOnlySubvolume ? "a read-only subvolume that was not received" : BackupVolume.Describe(kind))}, not a finished copy");
        }
        try
        {
            BtrfsManager.DeleteSubvolume(_dirFd, Path, name);
        }
        catch (BtrfsException e)
        {
            throw new OperationFailedException($"cannot delete the copy {System.IO.Path.Combine(Path, name)}: {e.Message}", e);
        }
        return Task.CompletedTask;
    }

    public Task<long?> FreeBytesAsync(CancellationToken cancellationToken) =>
        Task.FromResult(LibC.FileSystemSpace(Path) is { } space ? space.Available : (long?)null);

    /// <summary>Verifies the received <paramref name="name"/> in <c>.incoming</c> and moves it next to the copies.</summary>
    internal CopyEntry Publish(string name, Guid expectedReceivedUuid)
    {
        var staged = System.IO.Path.Combine(IncomingPath, name);
        var kind = BtrfsManager.Inspect(_incomingFd, name);
        var identity = BtrfsManager.Identify(_incomingFd, name);
        if (kind != SubvolumeKind.ReadOnlySubvolume || identity is not { IsReceived: true } id || id.ReceivedUuid != expectedReceivedUuid)
        {
            var found = identity is { } i ? $"read-only {i.ReadOnly}, received_uuid {i.ReceivedUuid}" : BackupVolume.Describe(kind);
            DeleteStaged(name);
            throw new OperationFailedException(
                $"the received copy {staged} is not the snapshot sent ({found}; expected a read-only subvolume with received_uuid {expectedReceivedUuid}); it was deleted");
        }
        // The kernel moves a directory to another parent only when it may write the directory (its ".." changes), which
        // a read-only subvolume refuses (EROFS): writable for the move, read-only again at once. The flag keeps
        // received_uuid; a copy left writable by a crash in between is never taken for a finished one.
        try
        {
            BtrfsManager.SetReadOnly(_incomingFd, IncomingPath, name, readOnly: false);
        }
        catch (BtrfsException e)
        {
            DeleteStaged(name);
            throw new OperationFailedException($"cannot publish the copy {name} in {Path}: {e.Message}; the received copy was deleted", e);
        }
        if (LibC.RenameAt2(_incomingFd, name, _dirFd, name, LibC.RENAME_NOREPLACE) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            DeleteStaged(name);
            throw new OperationFailedException(errno == LibC.EEXIST
                ? $"cannot publish the copy {name} in {Path}: the name is taken by another entry (left untouched); the received copy was deleted"
                : $"cannot move {staged} to {System.IO.Path.Combine(Path, name)}: {LibC.ErrorText(errno)}; the received copy was deleted");
        }
        try
        {
            BtrfsManager.SetReadOnly(_dirFd, Path, name, readOnly: true);
        }
        catch (BtrfsException e)
        {
            DeletePublished(name);
            throw new OperationFailedException($"cannot make the copy {System.IO.Path.Combine(Path, name)} read-only again: {e.Message}; it was deleted", e);
        }
        if (BtrfsManager.Identify(_dirFd, name) is not { IsReceived: true } published || published.ReceivedUuid != expectedReceivedUuid)
        {
            DeletePublished(name);
            throw new OperationFailedException(
                $"the copy {System.IO.Path.Combine(Path, name)} lost its received_uuid when it was moved out of {IncomingName} (this kernel clears it with the read-only flag); it was deleted");
        }
        id = published;
        var time = SnapshotName.TryParse(name, out var t) ? t : default;
        return new CopyEntry(name, time, SubvolumeKind.ReadOnlySubvolume, id);
    }

    /// <summary>Deletes a copy this connection has just moved in (and which is not finished after all).</summary>
    private void DeletePublished(string name)
    {
        try
        {
            BtrfsManager.DeleteSubvolume(_dirFd, Path, name);
        }
        catch (BtrfsException e)
        {
            _logger.LogWarning("cannot delete {Copy}: {Error}", System.IO.Path.Combine(Path, name), e.Message);
        }
    }

    private void DeleteStaged(string name)
    {
        try
        {
            BtrfsManager.DeleteSubvolume(_incomingFd, IncomingPath, name);
        }
        catch (BtrfsException e)
        {
            _logger.LogWarning("cannot delete {Staged}: {Error}; the next copy deletes it", System.IO.Path.Combine(IncomingPath, name), e.Message);
        }
    }

    /// <summary>The message for a receive that failed, naming a full disk as such.</summary>
    internal string ReceiveFailure(string name, ProcessResult result)
    {
        var tail = string.IsNullOrWhiteSpace(result.StandardErrorTail) ? "no error output" : result.StandardErrorTail.Trim();
        if (tail.Contains("No space left on device", StringComparison.Ordinal))
        {
            var free = LibC.FileSystemSpace(Path) is { } space ? $"{space.Available} bytes free" : "free space unknown";
            return $"the target disk {Path} is full ({free}): btrfs receive of {name} stopped ({tail}). Free space there and copy again";
        }
        return $"btrfs receive of {name} into {IncomingPath} failed (exit code {result.ExitCode}): {tail}";
    }

    private static List<string> EntryNames(string directory) =>
        Directory.EnumerateFileSystemEntries(directory).Select(System.IO.Path.GetFileName).OfType<string>().ToList();

    private void EnsureConnected()
    {
        if (_dirFd < 0)
        {
            throw new InvalidOperationException("not connected");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_streamVersion is { } asking)
        {
            // The question to btrfs is a child process: never left running behind a closed destination.
            await asking.ConfigureAwait(false);
        }
        var incoming = Interlocked.Exchange(ref _incomingFd, -1);
        if (incoming >= 0)
        {
            LibC.Close(incoming);
        }
        var fd = Interlocked.Exchange(ref _dirFd, -1);
        if (fd >= 0)
        {
            LibC.ReleaseFlock(fd);
            LibC.Close(fd);
        }
    }
}
