using System.Diagnostics;
using System.Globalization;
using SnapshotBackup.Core.Btrfs;
using SnapshotBackup.Core.Engine;
using SnapshotBackup.Core.Processes;
using SnapshotBackup.Core.Volume;

namespace SnapshotBackup.Core.Copies;

/// <summary>
/// STAND-IN for <c>LocalCopyDestination</c> (branch copy-core), so that <c>serve</c> runs end to end until that lands:
/// the same contract, done simply (identity from <c>btrfs subvolume show</c>, a plain rename). Once copy-core is merged,
/// <see cref="CopyServer"/>'s factory in the CLI opens <c>LocalCopyDestination</c> and this file is deleted.
/// </summary>
public sealed class InterimLocalCopyDestination(CopyTarget target) : ICopyDestination
{
    public const string IncomingName = ".incoming";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    private VolumeLock? _lock;

    public CopyTarget Target { get; } = target;

    private string Incoming => Path.Combine(Target.Path, IncomingName);

    public Task<IReadOnlyList<string>> ConnectAsync(bool dryRun, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(Target.Path))
        {
            throw new CopyTargetUnavailableException($"{Target.Path} does not exist (is its disk mounted?)");
        }
        if (!BtrfsManager.Instance.IsBtrfs(Target.Path))
        {
            throw new OperationFailedException($"{Target.Path} is not on a btrfs filesystem");
        }
        _lock = VolumeLock.Acquire(Target.Path, Target.Spec);
        var partials = Directory.Exists(Incoming) ? Directory.GetFileSystemEntries(Incoming).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList() : [];
        if (!dryRun)
        {
            Directory.CreateDirectory(Incoming);
            foreach (var name in partials)
            {
                BtrfsManager.Instance.DeleteSubvolume(Incoming, name!);
            }
        }
        return Task.FromResult<IReadOnlyList<string>>(partials!);
    }

    public Task<IReadOnlyList<CopyEntry>> ListAsync(CancellationToken cancellationToken)
    {
        var entries = new List<CopyEntry>();
        foreach (var path in Directory.GetFileSystemEntries(Target.Path))
        {
            var name = Path.GetFileName(path);
            if (!SnapshotName.TryParse(name, out var time))
            {
                continue;
            }
            var kind = BtrfsManager.Instance.Inspect(Target.Path, name);
            var identity = kind is SubvolumeKind.ReadOnlySubvolume or SubvolumeKind.WritableSubvolume ? Identity(path) : (SubvolumeIdentity?)null;
            entries.Add(new CopyEntry(name, time, kind, identity));
        }
        return Task.FromResult<IReadOnlyList<CopyEntry>>(entries.OrderBy(e => e.Time).ToList());
    }

    public Task<ICopyReceive> BeginReceiveAsync(string name, Guid expectedReceivedUuid, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("btrfs") { RedirectStandardInput = true, RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        // -C: chrooted into .incoming, so that a symlink in the parent copy cannot lead a hostile stream's writes outside.
        foreach (var argument in (string[])["receive", "-C", "-e", Incoming])
        {
            info.ArgumentList.Add(argument);
        }
        var process = Process.Start(info) ?? throw new OperationFailedException("cannot start btrfs receive");
        return Task.FromResult<ICopyReceive>(new Receive(this, process, name, expectedReceivedUuid));
    }

    public async Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        var entry = (await ListAsync(cancellationToken)).FirstOrDefault(e => e.Name == name);
        if (entry is not { IsCopy: true })
        {
            throw new OperationFailedException($"{name} is not a finished copy on {Target}; nothing deleted");
        }
        BtrfsManager.Instance.DeleteSubvolume(Target.Path, name);
    }

    public Task<long?> FreeBytesAsync(CancellationToken cancellationToken) =>
        Task.FromResult<long?>(new DriveInfo(Target.Path).AvailableFreeSpace);

    public ValueTask DisposeAsync()
    {
        _lock?.Dispose();
        return ValueTask.CompletedTask;
    }

    internal static SubvolumeIdentity Identity(string path)
    {
        var info = new ProcessStartInfo("btrfs") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])["subvolume", "show", path])
        {
            info.ArgumentList.Add(argument);
        }
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout) || process.ExitCode != 0)
        {
            throw new OperationFailedException($"btrfs subvolume show {path} failed");
        }
        Guid uuid = Guid.Empty, received = Guid.Empty, parent = Guid.Empty;
        ulong generation = 0;
        var readOnly = false;
        foreach (var line in output.Result.Split('\n'))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                continue;
            }
            var (key, value) = (line[..colon].Trim(), line[(colon + 1)..].Trim());
            switch (key)
            {
                case "UUID":
                    uuid = ParseGuid(value);
                    break;
                case "Parent UUID":
                    parent = ParseGuid(value);
                    break;
                case "Received UUID":
                    received = ParseGuid(value);
                    break;
                case "Generation":
                    ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out generation);
                    break;
                case "Flags":
                    readOnly = value.Contains("readonly", StringComparison.Ordinal);
                    break;
            }
        }
        return new SubvolumeIdentity(uuid, received, parent, readOnly, generation);
    }

    private const nuint SubvolGetFlags = 0x80089419; // _IOR(0x94, 25, u64)
    private const nuint SubvolSetFlags = 0x4008941A; // _IOW(0x94, 26, u64)
    private const ulong SubvolReadOnly = 2;

    private static unsafe void SetReadOnly(string path, bool readOnly)
    {
        var fd = Internal.LibC.Open(path, Internal.LibC.O_RDONLY | Internal.LibC.O_DIRECTORY, 0);
        if (fd < 0)
        {
            throw new OperationFailedException($"cannot open {path}");
        }
        try
        {
            ulong flags = 0;
            if (Internal.LibC.Ioctl(fd, SubvolGetFlags, &flags) != 0)
            {
                throw new OperationFailedException($"cannot read the flags of {path}");
            }
            flags = readOnly ? flags | SubvolReadOnly : flags & ~SubvolReadOnly;
            if (Internal.LibC.Ioctl(fd, SubvolSetFlags, &flags) != 0)
            {
                throw new OperationFailedException($"cannot set {path} read-only={readOnly}");
            }
        }
        finally
        {
            Internal.LibC.Close(fd);
        }
    }

    private static Guid ParseGuid(string text) => Guid.TryParse(text, out var guid) ? guid : Guid.Empty;

    private sealed class Receive(InterimLocalCopyDestination destination, Process process, string name, Guid expected) : ICopyReceive
    {
        private readonly Task<string> _error = process.StandardError.ReadToEndAsync();
        private readonly Task<string> _output = process.StandardOutput.ReadToEndAsync();
        private bool _done;

        public Stream Input => process.StandardInput.BaseStream;

        public async Task<CopyEntry> CompleteAsync(CancellationToken cancellationToken)
        {
            _done = true;
            process.StandardInput.Close();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(Timeout);
            await process.WaitForExitAsync(timeout.Token);
            await _output;
            var error = (await _error).Trim();
            if (process.ExitCode != 0)
            {
                throw new OperationFailedException($"btrfs receive of {name} failed (exit code {process.ExitCode}): {error}");
            }
            var received = Path.Combine(destination.Incoming, name);
            var identity = Identity(received);
            if (!identity.IsReceived || identity.ReceivedUuid != expected)
            {
                throw new OperationFailedException($"the copy {name} is not a finished receive of {expected}");
            }
            var final = Path.Combine(destination.Target.Path, name);
            if (Path.Exists(final))
            {
                throw new OperationFailedException($"{name} already exists on {destination.Target}");
            }
            // A read-only subvolume cannot move to another directory (EROFS: its ".." would change): clear the flag with
            // the ioctl (btrfs property set would refuse, or with -f drop received_uuid), move, set it again.
            SetReadOnly(received, false);
            try
            {
                Directory.Move(received, final);
            }
            finally
            {
                SetReadOnly(Path.Exists(final) ? final : received, true);
            }
            var time = SnapshotName.TryParse(name, out var t) ? t : default;
            return new CopyEntry(name, time, SubvolumeKind.ReadOnlySubvolume, identity);
        }

        public async ValueTask DisposeAsync()
        {
            if (!_done)
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                }
            }
            await process.WaitForExitAsync().WaitAsync(Timeout);
            process.Dispose();
        }
    }
}
