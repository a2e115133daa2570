using System.IO.Pipes;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using SnapshotBackup.Core.Internal;

namespace SnapshotBackup.Core.Copies;

/// <summary>
/// Moves one child's output (btrfs send) into another child's input (btrfs receive, or ssh), counting the bytes. When both
/// ends are pipes, splice(2) moves the pages from one pipe to the other in the kernel (no copy through user space), on a
/// dedicated thread since it blocks; otherwise (streams that are not pipes, or a kernel that refuses) a read/write loop.
/// </summary>
internal static class StreamRelay
{
    internal const int BufferSize = 1 << 20;

    /// <summary>The bytes moved; <see cref="WriteFailure"/> when the receiving end was gone (EPIPE) before the end of the
    /// stream; <see cref="Spliced"/> when the kernel moved them.</summary>
    public readonly record struct Result(long Bytes, IOException? WriteFailure, bool Spliced);

    /// <summary>
    /// Relays <paramref name="source"/> to its end into <paramref name="destination"/>, calling <paramref name="onBytes"/>
    /// with the total so far after each chunk. Stops at the end of the source or at the destination's failure. To stop it
    /// early, kill the writer of the source (the relay sees the end) or the reader of the destination (EPIPE): a blocked
    /// splice returns then. Throws <see cref="IOException"/> on any other failure.
    /// </summary>
    public static async Task<Result> RunAsync(Stream source, Stream destination, Action<long> onBytes, CancellationToken cancellationToken)
    {
        if (PipeOf(source) is { } input && PipeOf(destination) is { } output)
        {
            var chunk = Math.Max(PipeSize(input), PipeSize(output));
            if (chunk > 0)
            {
                var spliced = await Task.Factory.StartNew(
                    () => Splice(input, output, chunk, onBytes, cancellationToken),
                    CancellationToken.None, TaskCreationOptions.LongRunning | TaskCreationOptions.DenyChildAttach, TaskScheduler.Default).ConfigureAwait(false);
                if (spliced is { } result)
                {
                    return result;
                }
            }
        }
        return await CopyAsync(source, destination, onBytes).ConfigureAwait(false);
    }

    private static SafePipeHandle? PipeOf(Stream stream) => stream is PipeStream pipe ? pipe.SafePipeHandle : null;

    /// <summary>The pipe's capacity, or -1 when the handle is not a pipe (a Unix socket behind a named pipe stream).</summary>
    private static int PipeSize(SafePipeHandle handle) => handle.IsInvalid || handle.IsClosed ? -1 : LibC.Fcntl(handle, LibC.F_GETPIPE_SZ, 0);

    /// <summary>The splice loop; null when the kernel refuses splice between these two before a byte moved (the caller
    /// falls back to the copy loop).</summary>
    private static unsafe Result? Splice(SafePipeHandle source, SafePipeHandle destination, int chunk, Action<long> onBytes, CancellationToken cancellationToken)
    {
        // Held for the whole relay: a handle disposed meanwhile (the receive disposed on cancellation) is closed only
        // after the loop, so its fd number cannot be reused under a splice in flight.
        var sourceAdded = false;
        var destinationAdded = false;
        try
        {
            source.DangerousAddRef(ref sourceAdded);
            destination.DangerousAddRef(ref destinationAdded);
            var inFd = (int)source.DangerousGetHandle();
            var outFd = (int)destination.DangerousGetHandle();
            long total = 0;
            while (true)
            {
                var moved = LibC.Splice(inFd, null, outFd, null, (nuint)chunk, LibC.SPLICE_F_MOVE | LibC.SPLICE_F_MORE);
                if (moved > 0)
                {
                    total += moved;
                    onBytes(total);
                    continue;
                }
                if (moved == 0)
                {
                    return new Result(total, null, Spliced: true);
                }
                var errno = Marshal.GetLastPInvokeError();
                switch (errno)
                {
                    case LibC.EINTR:
                        continue;
                    case LibC.EAGAIN:
                        // Only when a pipe end is non-blocking (not so for Process's pipes): wait until the source has
                        // data (or its end) and the destination room (or its reader is gone), then splice again.
                        WaitReady(inFd, LibC.POLLIN, cancellationToken);
                        WaitReady(outFd, LibC.POLLOUT, cancellationToken);
                        continue;
                    case LibC.EPIPE:
                        return new Result(total, new IOException(LibC.ErrorText(errno)), Spliced: true);
                    case LibC.EINVAL or LibC.ENOSYS when total == 0:
                        return null;
                    default:
                        throw new IOException($"splice: {LibC.ErrorText(errno)}");
                }
            }
        }
        finally
        {
            if (destinationAdded)
            {
                destination.DangerousRelease();
            }
            if (sourceAdded)
            {
                source.DangerousRelease();
            }
        }
    }

    /// <summary>poll(2) of one fd until it is ready for <paramref name="events"/> (or hung up, or in error: the next
    /// splice tells), checking for cancellation every second.</summary>
    private static unsafe void WaitReady(int fd, short events, CancellationToken cancellationToken)
    {
        var poll = new LibC.PollFd { Fd = fd, Events = events };
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            poll.Returned = 0;
            var ready = LibC.Poll(&poll, 1, 1000);
            if (ready > 0)
            {
                return;
            }
            if (ready < 0 && Marshal.GetLastPInvokeError() is var errno && errno != LibC.EINTR)
            {
                throw new IOException($"poll: {LibC.ErrorText(errno)}");
            }
        }
    }

    /// <summary>The read/write loop through a 1 MiB buffer.</summary>
    private static async Task<Result> CopyAsync(Stream source, Stream destination, Action<long> onBytes)
    {
        var buffer = new byte[BufferSize];
        long total = 0;
        while (true)
        {
            var read = await source.ReadAsync(buffer, CancellationToken.None).ConfigureAwait(false);
            if (read == 0)
            {
                return new Result(total, null, Spliced: false);
            }
            try
            {
                await destination.WriteAsync(buffer.AsMemory(0, read), CancellationToken.None).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                return new Result(total, e, Spliced: false);
            }
            total += read;
            onBytes(total);
        }
    }
}
